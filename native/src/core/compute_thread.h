// Long-lived threads that asynchronous runs execute on. libgomp keeps one team of worker threads per thread
// that opens parallel regions, and once the process holds more OpenMP threads than cores it stops letting
// idle workers spin (they sleep after ~100 spins, and every parallel region then pays a futex wake-up).
// Node's libuv pool hands successive runs to any of its 4+ threads, so each of them grew its own team, which
// put every run in that throttled mode: measured on 2 cores, 20 us per small op instead of 1, and resnet18
// at 1-thread speed after an idle gap. Runs here reuse the most recently idle compute thread, so sequential
// runs keep one team; concurrent runs still get one thread each.
#pragma once
#include <functional>

namespace onnxfleet {

// Runs fn on a compute thread and waits for it; exceptions propagate to the caller.
void runOnComputeThread(const std::function<void()>& fn);

}  // namespace onnxfleet
