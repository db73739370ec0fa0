// A one-way "stop now" switch for node sources that wait on something
// outside the process (the `script` source waits on child processes): once
// `request` has been called, every wait that watches `fd()` returns at once,
// and every later one too, so that shutdown never waits on a script.
//
// Thread contract: `request` may be called from any thread, any number of
// times, while another thread polls `fd()`; the descriptor lives as long as
// the object. Plain logic: no CAF include.
#pragma once

namespace bistro {

class node_source_stop {
 public:
  node_source_stop();
  ~node_source_stop();
  node_source_stop(const node_source_stop&) = delete;
  node_source_stop& operator=(const node_source_stop&) = delete;

  /// Makes `fd()` readable for good.
  void request();
  /// True once `request` has been called.
  bool requested() const;
  /// An eventfd that becomes readable on `request` (never read from it).
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace bistro
