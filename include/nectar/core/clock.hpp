// The wall clock in the units exchanges use (Unix epoch milliseconds / microseconds).
#pragma once

#include <chrono>
#include <cstdint>

namespace nectar {

inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace nectar
