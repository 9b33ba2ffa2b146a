// How a loop that keeps retrying reports it: a warning when it starts failing, then one at each doubling of
// the number of failures in a row (1, 2, 4, 8, ...), and one line when it works again. A dead exchange
// yields a handful of lines, not one a second.
#pragma once

#include <cstdint>
#include <string>

namespace nectar {

class FailureLog {
 public:
  /// `what` names the task in messages, e.g. "bitget: balance refresh".
  explicit FailureLog(std::string what) : what_(std::move(what)) {}

  /// Counts a failure; logs it (warning) when the count is a power of two. True when it logged.
  bool failed(const std::string& reason);
  /// Ends a run of failures; logs the recovery (info) when there was one. True when it logged.
  bool succeeded();
  uint64_t failures_in_a_row() const { return failures_; }

 private:
  std::string what_;
  uint64_t failures_ = 0;
};

}  // namespace nectar
