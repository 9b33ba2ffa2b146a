// One process per journal: an exclusive advisory lock (flock) on "<journal>.lock" next to the database.
#pragma once

#include <filesystem>

#include "nectar/storage/trade_store.hpp"

namespace nectar::storage {

/// Another process (or another runner of this process) holds the journal.
class JournalBusyError : public StorageError {
 public:
  using StorageError::StorageError;
};

/// Held while a strategy runs on a journal, so that a second run on the same journal cannot restore (and at
/// its stop cancel) the first one's orders. Released when destroyed, and by the system when the process dies
/// (also on kill -9). Move-only.
class JournalLock {
 public:
  /// Locks `db` (the journal's .sqlite path; the lock file is the same path with the extension ".lock").
  /// Throws JournalBusyError naming the journal when it is held, StorageError when the lock file cannot be
  /// created.
  explicit JournalLock(const std::filesystem::path& db);
  ~JournalLock();
  JournalLock(JournalLock&& other) noexcept;
  JournalLock& operator=(JournalLock&& other) noexcept;
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace nectar::storage
