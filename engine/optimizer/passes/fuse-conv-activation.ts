// Conv, then an Add of a same-shaped tensor (a residual), then an activation -> one com.microsoft FusedConv
// (Y = act(conv(X) + Z)), which the oneDNN kernel runs as post-ops. Either the Add or the activation may be
// missing; the activations are the ones FusedConv knows. The channels-last NhwcConv that nhwc-layout makes
// fuses the same way into NhwcFusedConv, which also takes QuickGelu (SiLU at alpha 1), an activation
// onnxruntime's FusedConv lacks (so plain FusedConv, which saved models carry to onnxruntime, does not get it).
import { type Attribute, type Dim, type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { attrs, floatAttr, type GraphView, makeNode } from '../view.js';

const ACTIVATIONS = ['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'HardSigmoid'];
const FLT_MAX = 3.4028234663852886e38;

interface Match {
  conv: Node;
  add?: Node;
  z?: string;
  act?: Node;
  params?: number[];
}

const sameShape = (a: Dim[] | undefined, b: Dim[] | undefined) =>
  !!a && !!b && a.length === b.length && a.every((d, i) => d !== null && d === b[i]);

/** FusedConv's activation_params for an activation node; undefined when they are not constants. */
function activationParams(act: Node, view: GraphView): number[] | undefined {
  switch (act.opType) {
    case 'LeakyRelu':
      return [floatAttr(act, 'alpha', 0.01)];
    case 'HardSigmoid':
      return [floatAttr(act, 'alpha', 0.2), floatAttr(act, 'beta', 0.5)];
    case 'Clip': {
      if (view.opset() < 11) return [floatAttr(act, 'min', -FLT_MAX), floatAttr(act, 'max', FLT_MAX)];
      const bound = (i: number, dflt: number) => (act.inputs[i] ? view.scalar(act.inputs[i]) : dflt);
      const [lo, hi] = [bound(1, -FLT_MAX), bound(2, FLT_MAX)];
      return lo === undefined || hi === undefined ? undefined : [lo, hi];
    }
    case 'QuickGelu':
      return [floatAttr(act, 'alpha', 1.702)];
    default:
      return [];
  }
}

/** The one reader of `name` when it is an activation the fused op takes. */
function activationOf(name: string, view: GraphView, withMs: boolean): Node | undefined {
  const readers = view.consumers(name);
  if (readers.length !== 1 || view.isPinned(name)) return undefined;
  const [n] = readers;
  if (n.domain === '' && ACTIVATIONS.includes(n.opType)) return n;
  return withMs && n.domain === 'com.microsoft' && n.opType === 'QuickGelu' ? n : undefined;
}

function convActivationRule(anchor: 'Conv' | 'NhwcConv') {
  const nhwc = anchor === 'NhwcConv';
  const fusedOp = nhwc ? 'NhwcFusedConv' : 'FusedConv';
  return defineRule<Match>({
    name: `${anchor} (+ Add) (+ activation) -> ${fusedOp}`,
    ops: [anchor],
    domain: nhwc ? 'com.microsoft' : '',
    pattern: (conv, view) => {
      const m: Match = { conv };
      let out = conv.outputs[0];
      const add = view.soleConsumer(out, 'Add');
      if (add) {
        const z = add.inputs[0] === out ? add.inputs[1] : add.inputs[0];
        if (sameShape(view.shape(z), view.shape(out)) && view.elemType(z) === view.elemType(out)) {
          Object.assign(m, { add, z });
          out = add.outputs[0];
        }
      }
      const act = activationOf(out, view, nhwc);
      const params = act && activationParams(act, view);
      if (act && params) Object.assign(m, { act, params });
      return m.add || m.act ? m : undefined;
    },
    condition: ({ conv }, view) =>
      view.elemType(conv.outputs[0]) === 'float32' && view.hasKernel('com.microsoft', fusedOp),
    rewrite: ({ conv, add, z, act, params }) => {
      const attributes: Record<string, Attribute> = Object.fromEntries(conv.attributes);
      if (act) attributes.activation = attrs.string(act.opType);
      if (params?.length) attributes.activation_params = attrs.floats(params);
      const inputs = z ? [conv.inputs[0], conv.inputs[1], conv.inputs[2] ?? '', z] : [...conv.inputs];
      const last = act ?? add!;
      const fused = makeNode(fusedOp, inputs, [last.outputs[0]], conv.name, attributes, 'com.microsoft');
      const remove = [conv, ...(add ? [add] : []), ...(act ? [act] : [])];
      fused.fusedFrom = originsOf(remove);
      return { remove, add: [fused] };
    },
  });
}

export const fuseConvActivation = rulePass('fuse-conv-activation', 'extended', [
  convActivationRule('Conv'),
  convActivationRule('NhwcConv'),
]);
