// Connector credentials at rest: one password, scrypt + AES-256-GCM, one 0600 file in a 0700 directory.
// See docs/credentials.md for the file format and the threat model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nectar/connectors/registry.hpp"

namespace nectar::security {

/// Any vault failure: I/O, a malformed or tampered file, an invalid argument. Messages name paths and
/// connector ids, never a password or a credential value.
class VaultError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The password does not open the vault (or the vault's header was altered). Nothing was written.
class WrongPasswordError : public VaultError {
 public:
  using VaultError::VaultError;
};

/// scrypt work factor. The default is the production cost (N=2^17, r=8, p=1: 128 MiB and roughly 0.3-0.5 s
/// per derivation on a current x86 core); tests pass a small N to run fast.
struct KdfParams {
  uint64_t n = uint64_t{1} << 17;  ///< CPU/memory cost, a power of two
  uint32_t r = 8;                  ///< block size
  uint32_t p = 1;                  ///< parallelism
  friend bool operator==(const KdfParams&, const KdfParams&) = default;
};

/// Overwrites a string's bytes (OPENSSL_cleanse) and clears it.
void secure_wipe(std::string& text) noexcept;

/// Keeps decrypted secrets out of crash dumps: no core file (RLIMIT_CORE 0) and the process marked not
/// dumpable (no core handler, no ptrace attach by other processes of the user). Vault::create/open call it
/// before any key is derived. Returns false when the system refused either setting.
bool protect_process_memory() noexcept;

/// An encrypted credential store: `<dir>/credentials.json` holding every connector's credentials.
/// The password is stretched once (scrypt) at create/open; the derived key lives in memory, wiped on
/// destruction. Each connector's credentials are sealed with AES-256-GCM under a per-encryption key
/// (HKDF-SHA256 of the master key with a fresh random salt) and a fresh random nonce, bound to the connector
/// id. Every write is atomic (temp file + fsync + rename + directory fsync); a stale temp file is ignored.
/// Not thread-safe; one process at a time.
class Vault {
 public:
  /// True when `dir` holds a vault file.
  static bool exists(const std::filesystem::path& dir);
  /// The vault file inside `dir`.
  static std::filesystem::path file_path(const std::filesystem::path& dir);

  /// Creates `dir` (0700) and an empty vault (0600). Throws VaultError if a vault already exists there or
  /// the password is empty.
  static Vault create(const std::filesystem::path& dir, const Secret& password, KdfParams kdf = {});
  /// Opens an existing vault. Throws WrongPasswordError when the password does not match, VaultError when
  /// the vault is missing or malformed. Never writes file contents; tightens loose permissions to
  /// 0600/0700 after the password is verified.
  static Vault open(const std::filesystem::path& dir, const Secret& password);

  Vault(Vault&&) noexcept;
  Vault& operator=(Vault&&) noexcept;
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;
  ~Vault();

  /// Stores (replaces) a connector's credentials. `connector_id`: 1-64 chars of [A-Za-z0-9_.-].
  void save(const std::string& connector_id, const std::map<std::string, Secret>& credentials);
  /// A connector's credentials, or nullopt when none are saved. Throws VaultError when the entry fails
  /// authentication (tampered or corrupt).
  std::optional<std::map<std::string, Secret>> load(const std::string& connector_id) const;
  /// Deletes a connector's credentials; false when there were none.
  bool remove(const std::string& connector_id);
  /// Ids of the connectors with saved credentials, sorted.
  std::vector<std::string> connectors() const;

  /// Re-encrypts everything under `new_password` (fresh salt, fresh keys, fresh nonces) in one atomic
  /// file replacement; `kdf` changes the work factor, else the current one is kept. Throws
  /// WrongPasswordError (nothing written) when `old_password` does not match.
  void change_password(const Secret& old_password, const Secret& new_password,
                       std::optional<KdfParams> kdf = std::nullopt);

  const std::filesystem::path& directory() const;
  KdfParams kdf() const;

 private:
  struct Impl;
  explicit Vault(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nectar::security
