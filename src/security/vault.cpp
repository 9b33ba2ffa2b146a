#include "nectar/security/vault.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <boost/json.hpp>

namespace nectar::security {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kFileName = "credentials.json";
constexpr const char* kFormat = "nectar-vault";
constexpr int64_t kVersion = 1;
constexpr size_t kKeyLen = 32;
constexpr size_t kSaltLen = 16;
constexpr size_t kNonceLen = 12;
constexpr size_t kTagLen = 16;
constexpr std::string_view kCheckPlaintext = "nectar-vault-check-v1";
constexpr uint64_t kMaxKdfMemory = uint64_t{1} << 30;  // refuse files asking for more than 1 GiB

using Bytes = std::vector<unsigned char>;
using Key = std::array<unsigned char, kKeyLen>;

/// Bytes wiped on destruction. Sized once up front, never grown, so no unwiped copy is left behind.
struct SecureBytes {
  Bytes data;
  explicit SecureBytes(size_t n) : data(n) {}
  SecureBytes(SecureBytes&& other) noexcept : data(std::move(other.data)) { other.data.clear(); }
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes& operator=(SecureBytes&&) = delete;
  ~SecureBytes() {
    if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
  }
};

struct KeyGuard {
  Key key{};
  KeyGuard() = default;
  KeyGuard(const KeyGuard&) = delete;
  KeyGuard& operator=(const KeyGuard&) = delete;
  ~KeyGuard() { OPENSSL_cleanse(key.data(), key.size()); }
};

/// One sealed blob: AES-256-GCM under HKDF(master, salt), AAD = purpose string.
struct Sealed {
  Bytes salt, nonce, ciphertext, tag;
};

[[noreturn]] void fail(const std::string& what) {
  ERR_clear_error();  // OpenSSL's queue never carries secrets, but keep it from leaking into later calls
  throw VaultError(what);
}

Bytes random_bytes(size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) fail("vault: random number generator failed");
  return out;
}

std::string to_hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::optional<Bytes> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<unsigned char>(hi << 4 | lo));
  }
  return out;
}

bool valid_kdf(const KdfParams& k) {
  if (k.n < 2 || (k.n & (k.n - 1)) != 0 || k.r == 0 || k.p == 0) return false;
  if (uint64_t{k.r} * k.p >= (uint64_t{1} << 30)) return false;
  if (k.n > kMaxKdfMemory / 128 / k.r) return false;
  return 128 * uint64_t{k.r} * (k.n + 2) + 128 * uint64_t{k.r} * k.p <= kMaxKdfMemory;
}

void derive_master(const Secret& password, const Bytes& salt, const KdfParams& k, Key& out) {
  const std::string& pw = password.reveal();
  // OpenSSL checks B + V against maxmem; give it exactly what these parameters need plus slack.
  uint64_t maxmem = 128 * uint64_t{k.r} * (k.n + 2) + 128 * uint64_t{k.r} * k.p + (uint64_t{1} << 20);
  if (EVP_PBE_scrypt(pw.data(), pw.size(), salt.data(), salt.size(), k.n, k.r, k.p, maxmem, out.data(),
                     out.size()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    fail("vault: key derivation (scrypt) failed");
  }
}

void derive_subkey(const Key& master, const Bytes& salt, Key& out) {
  static constexpr unsigned char kInfo[] = "nectar-vault/1/aes-256-gcm";
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  size_t len = out.size();
  bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt.data(), static_cast<int>(salt.size())) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, master.data(), static_cast<int>(master.size())) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, kInfo, static_cast<int>(sizeof(kInfo) - 1)) > 0 &&
            EVP_PKEY_derive(ctx, out.data(), &len) > 0 && len == out.size();
  EVP_PKEY_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    fail("vault: key derivation (HKDF) failed");
  }
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  CipherCtx() {
    if (ctx == nullptr) fail("vault: cipher context allocation failed");
  }
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }  // frees and cleanses the key schedule
  CipherCtx(const CipherCtx&) = delete;
  CipherCtx& operator=(const CipherCtx&) = delete;
};

Sealed seal(const Key& master, std::string_view aad, const unsigned char* plain, size_t plain_len) {
  Sealed s;
  s.salt = random_bytes(kSaltLen);
  s.nonce = random_bytes(kNonceLen);
  KeyGuard key;
  derive_subkey(master, s.salt, key.key);
  CipherCtx c;
  s.ciphertext.resize(plain_len + 16);
  int len = 0, total = 0;
  bool ok = EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, key.key.data(), s.nonce.data()) == 1 &&
            EVP_EncryptUpdate(c.ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(c.ctx, s.ciphertext.data(), &len, plain, static_cast<int>(plain_len)) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(c.ctx, s.ciphertext.data() + total, &len) == 1;
  total += len;
  s.tag.resize(kTagLen);
  ok = ok && EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagLen, s.tag.data()) == 1;
  if (!ok) fail("vault: encryption failed");
  s.ciphertext.resize(static_cast<size_t>(total));
  return s;
}

/// Plaintext into `out` (sized to the ciphertext); false when authentication fails. `out` is wiped on
/// failure.
bool open_sealed(const Key& master, std::string_view aad, const Sealed& s, SecureBytes& out) {
  if (s.salt.size() != kSaltLen || s.nonce.size() != kNonceLen || s.tag.size() != kTagLen) return false;
  KeyGuard key;
  derive_subkey(master, s.salt, key.key);
  CipherCtx c;
  int len = 0, total = 0;
  Bytes tag = s.tag;
  bool ok = EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) == 1 &&
            EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, key.key.data(), s.nonce.data()) == 1 &&
            EVP_DecryptUpdate(c.ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(c.ctx, out.data.data(), &len, s.ciphertext.data(),
                              static_cast<int>(s.ciphertext.size())) == 1;
  total = len;
  ok = ok && EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagLen, tag.data()) == 1;
  ok = ok && EVP_DecryptFinal_ex(c.ctx, out.data.data() + total, &len) > 0;
  ERR_clear_error();
  if (!ok || static_cast<size_t>(total) + static_cast<size_t>(len) != s.ciphertext.size()) {
    OPENSSL_cleanse(out.data.data(), out.data.size());
    return false;
  }
  return true;
}

// Credentials plaintext: repeated (u32 BE name length, name, u32 BE value length, value).
void put_u32(Bytes& out, size_t& pos, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out[pos++] = static_cast<unsigned char>(v >> shift);
}

SecureBytes encode_credentials(const std::map<std::string, Secret>& credentials) {
  size_t size = 0;
  for (const auto& [name, secret] : credentials) {
    if (name.size() > UINT32_MAX || secret.reveal().size() > UINT32_MAX) fail("vault: credential too large");
    size += 8 + name.size() + secret.reveal().size();
  }
  SecureBytes out(size);
  size_t pos = 0;
  for (const auto& [name, secret] : credentials) {
    put_u32(out.data, pos, static_cast<uint32_t>(name.size()));
    std::memcpy(out.data.data() + pos, name.data(), name.size());
    pos += name.size();
    const std::string& value = secret.reveal();
    put_u32(out.data, pos, static_cast<uint32_t>(value.size()));
    std::memcpy(out.data.data() + pos, value.data(), value.size());
    pos += value.size();
  }
  return out;
}

std::optional<std::map<std::string, Secret>> decode_credentials(const SecureBytes& plain) {
  const Bytes& d = plain.data;
  std::map<std::string, Secret> out;
  size_t pos = 0;
  auto get = [&](std::string& field) {
    if (d.size() - pos < 4) return false;
    uint32_t len =
        uint32_t{d[pos]} << 24 | uint32_t{d[pos + 1]} << 16 | uint32_t{d[pos + 2]} << 8 | d[pos + 3];
    pos += 4;
    if (d.size() - pos < len) return false;
    field.assign(reinterpret_cast<const char*>(d.data() + pos), len);
    pos += len;
    return true;
  };
  while (pos < d.size()) {
    std::string name, value;
    if (!get(name) || !get(value)) {
      secure_wipe(value);
      return std::nullopt;
    }
    out.insert_or_assign(std::move(name), Secret(std::move(value)));
  }
  return out;
}

std::string connector_aad(const std::string& id) {
  return "nectar-vault/1/connector/" + id;
}

std::string check_aad(const KdfParams& k, const Bytes& salt) {
  return "nectar-vault/1/check/scrypt/" + std::to_string(k.n) + "/" + std::to_string(k.r) + "/" +
         std::to_string(k.p) + "/" + to_hex(salt);
}

void validate_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!ok) throw VaultError("vault: invalid connector id (1-64 characters of A-Z a-z 0-9 _ . -)");
}

void validate_password(const Secret& password) {
  if (password.empty()) throw VaultError("vault: the password must not be empty");
}

json::object sealed_to_json(const Sealed& s) {
  return {{"salt", to_hex(s.salt)},
          {"nonce", to_hex(s.nonce)},
          {"ciphertext", to_hex(s.ciphertext)},
          {"tag", to_hex(s.tag)}};
}

std::string errno_text() {
  return std::strerror(errno);
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("vault: cannot open directory " + dir.string() + ": " + errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("vault: fsync of " + dir.string() + " failed: " + errno_text());
}

/// temp file (0600, exclusive) + write + fsync + rename + directory fsync. With `create_only` the temp file
/// is hard-linked to the target instead, which fails (and returns false) when the target already exists.
bool write_atomic(const fs::path& target, const std::string& data, bool create_only = false) {
  fs::path tmp = target;
  tmp += ".tmp";
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
    fail("vault: cannot remove stale " + tmp.string() + ": " + errno_text());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) fail("vault: cannot create " + tmp.string() + ": " + errno_text());
  auto abandon = [&](const std::string& what) {
    std::string text = "vault: " + what + " " + tmp.string() + ": " + errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(text);
  };
  if (::fchmod(fd, 0600) != 0) abandon("cannot chmod");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) abandon("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) abandon("cannot fsync");
  if (::close(fd) != 0) {
    std::string text = "vault: cannot close " + tmp.string() + ": " + errno_text();
    ::unlink(tmp.c_str());
    fail(text);
  }
  if (create_only) {
    if (::link(tmp.c_str(), target.c_str()) != 0) {
      int err = errno;
      std::string text = "vault: cannot create " + target.string() + ": " + std::strerror(err);
      ::unlink(tmp.c_str());
      if (err == EEXIST) return false;
      fail(text);
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), target.c_str()) != 0) {
    std::string text = "vault: cannot replace " + target.string() + ": " + errno_text();
    ::unlink(tmp.c_str());
    fail(text);
  }
  fsync_dir(target.parent_path());
  return true;
}

const json::string& get_string(const json::object& o, std::string_view key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string())
    fail("vault: " + where + ": missing or invalid field '" + std::string(key) + "'");
  return it->value().get_string();
}

uint64_t get_uint(const json::object& o, std::string_view key, const std::string& where) {
  auto it = o.find(key);
  if (it != o.end()) {
    if (it->value().is_uint64()) return it->value().get_uint64();
    if (it->value().is_int64() && it->value().get_int64() >= 0)
      return static_cast<uint64_t>(it->value().get_int64());
  }
  fail("vault: " + where + ": missing or invalid field '" + std::string(key) + "'");
}

Bytes get_hex(const json::object& o, std::string_view key, const std::string& where) {
  auto bytes = from_hex(get_string(o, key, where));
  if (!bytes) fail("vault: " + where + ": field '" + std::string(key) + "' is not hex");
  return *bytes;
}

Sealed sealed_from_json(const json::value& v, const std::string& where) {
  if (!v.is_object()) fail("vault: " + where + ": not an object");
  const json::object& o = v.get_object();
  return Sealed{get_hex(o, "salt", where), get_hex(o, "nonce", where), get_hex(o, "ciphertext", where),
                get_hex(o, "tag", where)};
}

}  // namespace

void secure_wipe(std::string& text) noexcept {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

struct Vault::Impl {
  fs::path dir;
  fs::path file;
  KdfParams kdf;
  Bytes kdf_salt;
  Key master{};
  Sealed check;
  std::map<std::string, Sealed> entries;

  ~Impl() { OPENSSL_cleanse(master.data(), master.size()); }

  std::string serialize(const KdfParams& k, const Bytes& salt, const Sealed& chk,
                        const std::map<std::string, Sealed>& sealed) const {
    json::object connectors;
    for (const auto& [id, s] : sealed) connectors[id] = sealed_to_json(s);
    json::object root{
        {"format", kFormat},
        {"version", kVersion},
        {"kdf", json::object{{"name", "scrypt"}, {"n", k.n}, {"r", k.r}, {"p", k.p}, {"salt", to_hex(salt)}}},
        {"cipher", "aes-256-gcm"},
        {"check", sealed_to_json(chk)},
        {"connectors", std::move(connectors)}};
    return json::serialize(root) + "\n";
  }

  void write(const std::map<std::string, Sealed>& sealed) const {
    write_atomic(file, serialize(kdf, kdf_salt, check, sealed));
  }
};

Vault::Vault(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vault::Vault(Vault&&) noexcept = default;
Vault& Vault::operator=(Vault&&) noexcept = default;
Vault::~Vault() = default;

fs::path Vault::file_path(const fs::path& dir) {
  return dir / kFileName;
}

bool Vault::exists(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(file_path(dir), ec);
}

bool protect_process_memory() noexcept {
  const rlimit no_core{0, 0};
  const bool rlimit_ok = ::setrlimit(RLIMIT_CORE, &no_core) == 0;
  const bool dumpable_ok = ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
  return rlimit_ok && dumpable_ok;
}

Vault Vault::create(const fs::path& dir, const Secret& password, KdfParams kdf) {
  (void)protect_process_memory();
  validate_password(password);
  if (!valid_kdf(kdf)) throw VaultError("vault: invalid scrypt parameters");
  std::error_code ec;
  if (fs::exists(file_path(dir), ec)) throw VaultError("vault: a vault already exists in " + dir.string());
  fs::create_directories(dir, ec);
  if (ec) throw VaultError("vault: cannot create " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) fail("vault: cannot chmod " + dir.string() + ": " + errno_text());

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->file = file_path(dir);
  impl->kdf = kdf;
  impl->kdf_salt = random_bytes(kSaltLen);
  derive_master(password, impl->kdf_salt, kdf, impl->master);
  impl->check = seal(impl->master, check_aad(kdf, impl->kdf_salt),
                     reinterpret_cast<const unsigned char*>(kCheckPlaintext.data()), kCheckPlaintext.size());
  // Linking the complete temp file to the final name never overwrites a vault created meanwhile.
  if (!write_atomic(impl->file, impl->serialize(kdf, impl->kdf_salt, impl->check, {}), true))
    throw VaultError("vault: a vault already exists in " + dir.string());
  return Vault(std::move(impl));
}

Vault Vault::open(const fs::path& dir, const Secret& password) {
  (void)protect_process_memory();
  validate_password(password);
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->file = file_path(dir);
  const std::string where = impl->file.string();

  std::ifstream in(impl->file, std::ios::binary);
  if (!in) throw VaultError("vault: no vault at " + dir.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("vault: cannot read " + where);

  json::error_code jec;
  json::value root = json::parse(text, jec);
  if (jec || !root.is_object()) fail("vault: " + where + " is not a valid vault file");
  const json::object& o = root.get_object();
  if (get_string(o, "format", where) != kFormat) fail("vault: " + where + " is not a nectar vault");
  if (get_uint(o, "version", where) != static_cast<uint64_t>(kVersion))
    fail("vault: " + where + " has an unsupported version");
  if (get_string(o, "cipher", where) != "aes-256-gcm") fail("vault: " + where + ": unsupported cipher");
  auto kdf_it = o.find("kdf");
  if (kdf_it == o.end() || !kdf_it->value().is_object()) fail("vault: " + where + ": missing 'kdf'");
  const json::object& k = kdf_it->value().get_object();
  if (get_string(k, "name", where) != "scrypt") fail("vault: " + where + ": unsupported KDF");
  uint64_t r = get_uint(k, "r", where), p = get_uint(k, "p", where);
  if (r > UINT32_MAX || p > UINT32_MAX) fail("vault: " + where + ": invalid scrypt parameters");
  impl->kdf = KdfParams{get_uint(k, "n", where), static_cast<uint32_t>(r), static_cast<uint32_t>(p)};
  if (!valid_kdf(impl->kdf)) fail("vault: " + where + ": invalid scrypt parameters");
  impl->kdf_salt = get_hex(k, "salt", where);
  if (impl->kdf_salt.size() < kSaltLen) fail("vault: " + where + ": salt too short");
  auto check_it = o.find("check");
  if (check_it == o.end()) fail("vault: " + where + ": missing 'check'");
  impl->check = sealed_from_json(check_it->value(), where + " check");
  auto conn_it = o.find("connectors");
  if (conn_it == o.end() || !conn_it->value().is_object()) fail("vault: " + where + ": missing 'connectors'");
  for (const auto& kv : conn_it->value().get_object()) {
    std::string id(kv.key());
    validate_id(id);
    impl->entries.emplace(id, sealed_from_json(kv.value(), where + " connector '" + id + "'"));
  }

  derive_master(password, impl->kdf_salt, impl->kdf, impl->master);
  SecureBytes plain(impl->check.ciphertext.size());
  if (!open_sealed(impl->master, check_aad(impl->kdf, impl->kdf_salt), impl->check, plain) ||
      std::string_view(reinterpret_cast<const char*>(plain.data.data()), plain.data.size()) !=
          kCheckPlaintext)
    throw WrongPasswordError("vault: wrong password for " + dir.string() +
                             " (or its header was altered); nothing was changed");

  // Password verified: tighten loose permissions (content untouched).
  struct stat st {};
  if (::stat(impl->file.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) ::chmod(impl->file.c_str(), 0600);
  if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) ::chmod(dir.c_str(), 0700);
  return Vault(std::move(impl));
}

void Vault::save(const std::string& connector_id, const std::map<std::string, Secret>& credentials) {
  validate_id(connector_id);
  SecureBytes plain = encode_credentials(credentials);
  auto next = impl_->entries;
  next.insert_or_assign(
      connector_id, seal(impl_->master, connector_aad(connector_id), plain.data.data(), plain.data.size()));
  impl_->write(next);
  impl_->entries = std::move(next);
}

std::optional<std::map<std::string, Secret>> Vault::load(const std::string& connector_id) const {
  validate_id(connector_id);
  auto it = impl_->entries.find(connector_id);
  if (it == impl_->entries.end()) return std::nullopt;
  SecureBytes plain(it->second.ciphertext.size());
  if (!open_sealed(impl_->master, connector_aad(connector_id), it->second, plain))
    throw VaultError("vault: credentials of connector '" + connector_id + "' in " + impl_->file.string() +
                     " failed authentication (file altered or corrupt)");
  auto out = decode_credentials(plain);
  if (!out)
    throw VaultError("vault: credentials of connector '" + connector_id + "' in " + impl_->file.string() +
                     " are malformed");
  return out;
}

bool Vault::remove(const std::string& connector_id) {
  validate_id(connector_id);
  if (!impl_->entries.contains(connector_id)) return false;
  auto next = impl_->entries;
  next.erase(connector_id);
  impl_->write(next);
  impl_->entries = std::move(next);
  return true;
}

std::vector<std::string> Vault::connectors() const {
  std::vector<std::string> ids;
  for (const auto& [id, s] : impl_->entries) ids.push_back(id);
  return ids;
}

void Vault::change_password(const Secret& old_password, const Secret& new_password,
                            std::optional<KdfParams> kdf) {
  validate_password(new_password);
  KdfParams next_kdf = kdf.value_or(impl_->kdf);
  if (!valid_kdf(next_kdf)) throw VaultError("vault: invalid scrypt parameters");
  {
    KeyGuard old_key;
    derive_master(old_password, impl_->kdf_salt, impl_->kdf, old_key.key);
    if (CRYPTO_memcmp(old_key.key.data(), impl_->master.data(), kKeyLen) != 0)
      throw WrongPasswordError("vault: wrong current password for " + impl_->dir.string() +
                               "; nothing was changed");
  }
  Bytes salt = random_bytes(kSaltLen);
  KeyGuard new_key;
  derive_master(new_password, salt, next_kdf, new_key.key);
  Sealed check = seal(new_key.key, check_aad(next_kdf, salt),
                      reinterpret_cast<const unsigned char*>(kCheckPlaintext.data()), kCheckPlaintext.size());
  std::map<std::string, Sealed> next;
  for (const auto& [id, s] : impl_->entries) {
    SecureBytes plain(s.ciphertext.size());
    if (!open_sealed(impl_->master, connector_aad(id), s, plain))
      throw VaultError("vault: credentials of connector '" + id +
                       "' failed authentication; password not changed");
    next.emplace(id, seal(new_key.key, connector_aad(id), plain.data.data(), plain.data.size()));
  }
  write_atomic(impl_->file, impl_->serialize(next_kdf, salt, check, next));
  impl_->kdf = next_kdf;
  impl_->kdf_salt = std::move(salt);
  impl_->master = new_key.key;
  impl_->check = std::move(check);
  impl_->entries = std::move(next);
}

const fs::path& Vault::directory() const {
  return impl_->dir;
}
KdfParams Vault::kdf() const {
  return impl_->kdf;
}

}  // namespace nectar::security
