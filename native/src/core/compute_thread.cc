#include "compute_thread.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace onnxfleet {
namespace {

struct Worker {
  std::mutex mu;
  std::condition_variable cv;
  const std::function<void()>* job = nullptr;
  std::exception_ptr error;
  bool done = false;

  void loop() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return job != nullptr; });
      try {
        (*job)();
      } catch (...) {
        error = std::current_exception();
      }
      job = nullptr;
      done = true;
      cv.notify_all();
    }
  }
};

class Pool {
 public:
  Worker* acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {  // the most recently used one: its OpenMP team is the warm one
      Worker* w = idle_.back();
      idle_.pop_back();
      return w;
    }
    auto* w = new Worker();  // lives as long as the process
    std::thread([w] { w->loop(); }).detach();
    return w;
  }
  void release(Worker* w) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(w);
  }

 private:
  std::mutex mu_;
  std::vector<Worker*> idle_;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: its threads may outlive static destruction
  return *p;
}

}  // namespace

void runOnComputeThread(const std::function<void()>& fn) {
  Worker* w = pool().acquire();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(w->mu);
    w->job = &fn;
    w->done = false;
    w->error = nullptr;
    w->cv.notify_all();
    w->cv.wait(lock, [&] { return w->done; });
    error = w->error;
  }
  pool().release(w);
  if (error) std::rethrow_exception(error);
}

}  // namespace onnxfleet
