#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/resource.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "nectar/security/vault.hpp"

using namespace nectar;
using namespace nectar::security;
namespace fs = std::filesystem;

namespace {

// Tiny work factor so the suite runs in milliseconds; production uses KdfParams{} (N=2^17).
constexpr KdfParams kFast{uint64_t{1} << 10, 8, 1};

const std::string kApiKey = "bg_API-KEY-0123456789abcdef";
const std::string kSecretKey = "SUPER-SECRET-value-9f8e7d6c5b4a";
const std::string kPassphrase = "my passphrase with spaces";
const Secret kPassword{"correct horse battery staple"};
const Secret kWrong{"correct horse battery stapler"};

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

std::map<std::string, Secret> bitget_creds() {
  return {
      {"api_key", Secret(kApiKey)}, {"secret_key", Secret(kSecretKey)}, {"passphrase", Secret(kPassphrase)}};
}

/// Flips one hex digit of `field` inside the first object whose key is `object_key`.
std::string tamper(std::string text, const std::string& object_key, const std::string& field) {
  size_t obj = text.find("\"" + object_key + "\"");
  EXPECT_NE(obj, std::string::npos);
  size_t pos = text.find("\"" + field + "\":\"", obj);
  EXPECT_NE(pos, std::string::npos);
  pos += field.size() + 4;
  text[pos] = text[pos] == '0' ? '1' : '0';
  return text;
}

struct VaultTest : ::testing::Test {
  fs::path root;
  fs::path dir;
  void SetUp() override {
    std::random_device rd;
    root = fs::temp_directory_path() /
           ("nectar-vault-test-" + std::to_string(rd()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    dir = root / "conf" / "secrets";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path file() const { return Vault::file_path(dir); }
};

TEST_F(VaultTest, RoundTripAcrossReopen) {
  EXPECT_FALSE(Vault::exists(dir));
  {
    Vault v = Vault::create(dir, kPassword, kFast);
    EXPECT_TRUE(Vault::exists(dir));
    EXPECT_TRUE(v.connectors().empty());
    v.save("bitget", bitget_creds());
    v.save("binance", {{"api_key", Secret("b-key")}, {"secret_key", Secret("b-secret")}});
    auto loaded = v.load("bitget");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(*loaded, bitget_creds());
  }
  Vault v = Vault::open(dir, kPassword);
  EXPECT_EQ(v.kdf(), kFast);
  EXPECT_EQ(v.connectors(), (std::vector<std::string>{"binance", "bitget"}));
  auto loaded = v.load("bitget");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, bitget_creds());
  EXPECT_EQ(v.load("binance")->at("secret_key").reveal(), "b-secret");
  EXPECT_FALSE(v.load("okx").has_value());
}

TEST_F(VaultTest, SaveReplacesAndRemoveDeletes) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("bitget", bitget_creds());
  v.save("bitget", {{"api_key", Secret("new")}});
  EXPECT_EQ(v.load("bitget")->size(), 1u);
  EXPECT_EQ(v.load("bitget")->at("api_key").reveal(), "new");
  EXPECT_TRUE(v.remove("bitget"));
  EXPECT_FALSE(v.remove("bitget"));
  EXPECT_TRUE(v.connectors().empty());
  EXPECT_FALSE(Vault::open(dir, kPassword).load("bitget").has_value());
}

TEST_F(VaultTest, EmptyValuesAndBinaryBytesSurvive) {
  Vault v = Vault::create(dir, kPassword, kFast);
  std::string binary("a\0b\xff\n\"}", 7);
  v.save("x", {{"empty", Secret("")}, {"bin", Secret(binary)}});
  auto loaded = Vault::open(dir, kPassword).load("x");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->at("empty").reveal(), "");
  EXPECT_EQ(loaded->at("bin").reveal(), binary);
}

TEST_F(VaultTest, EmptyCredentialMapRoundTrips) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("empty", {});
  auto loaded = Vault::open(dir, kPassword).load("empty");
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->empty());
}

TEST_F(VaultTest, WrongPasswordIsClearAndChangesNothing) {
  {
    Vault v = Vault::create(dir, kPassword, kFast);
    v.save("bitget", bitget_creds());
  }
  const std::string before = read_bytes(file());
  try {
    Vault::open(dir, kWrong);
    FAIL() << "wrong password accepted";
  } catch (const WrongPasswordError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("wrong password"), std::string::npos) << what;
    EXPECT_EQ(what.find(kWrong.reveal()), std::string::npos);
    EXPECT_EQ(what.find(kPassword.reveal()), std::string::npos);
    EXPECT_EQ(what.find(kSecretKey), std::string::npos);
  }
  EXPECT_EQ(read_bytes(file()), before);
  EXPECT_FALSE(fs::exists(file().string() + ".tmp"));
  EXPECT_EQ(*Vault::open(dir, kPassword).load("bitget"), bitget_creds());
}

TEST_F(VaultTest, WrongPasswordIsAVaultError) {
  Vault::create(dir, kPassword, kFast);
  EXPECT_THROW(Vault::open(dir, kWrong), VaultError);
  EXPECT_THROW(Vault::open(dir, Secret("")), VaultError);
}

TEST_F(VaultTest, OpenWithoutVaultFails) {
  EXPECT_THROW(Vault::open(dir, kPassword), VaultError);
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(VaultTest, SecondCreateFailsAndKeepsTheFirst) {
  {
    Vault v = Vault::create(dir, kPassword, kFast);
    v.save("bitget", bitget_creds());
  }
  const std::string before = read_bytes(file());
  EXPECT_THROW(Vault::create(dir, kWrong, kFast), VaultError);
  EXPECT_THROW(Vault::create(dir, kPassword, kFast), VaultError);
  EXPECT_EQ(read_bytes(file()), before);
  EXPECT_EQ(*Vault::open(dir, kPassword).load("bitget"), bitget_creds());
}

TEST_F(VaultTest, PermissionsAre0600And0700) {
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::all);  // a pre-existing loose directory gets tightened
  Vault v = Vault::create(dir, kPassword, kFast);
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(file()), 0600u);
  v.save("bitget", bitget_creds());
  EXPECT_EQ(mode_of(file()), 0600u);
  v.change_password(kPassword, kWrong);
  EXPECT_EQ(mode_of(file()), 0600u);
}

TEST_F(VaultTest, OpenTightensLoosePermissionsOnlyWithTheRightPassword) {
  Vault::create(dir, kPassword, kFast);
  ::chmod(file().c_str(), 0644);
  ::chmod(dir.c_str(), 0755);
  EXPECT_THROW(Vault::open(dir, kWrong), WrongPasswordError);
  EXPECT_EQ(mode_of(file()), 0644u);
  Vault::open(dir, kPassword);
  EXPECT_EQ(mode_of(file()), 0600u);
  EXPECT_EQ(mode_of(dir), 0700u);
}

TEST_F(VaultTest, SecretsNeverOnDiskInClear) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("bitget", bitget_creds());
  v.change_password(kPassword, kWrong);
  v.save("bitget", bitget_creds());
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = read_bytes(entry.path());
    for (const std::string& needle : {kApiKey, kSecretKey, kPassphrase, kPassword.reveal(), kWrong.reveal(),
                                      std::string("SUPER-SECRET"), std::string("api_key")}) {
      EXPECT_EQ(bytes.find(needle), std::string::npos)
          << entry.path() << " contains " << needle.size() << "-byte needle";
    }
  }
}

TEST_F(VaultTest, FreshNonceAndSaltPerEncryption) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("bitget", bitget_creds());
  const std::string first = read_bytes(file());
  v.save("bitget", bitget_creds());
  const std::string second = read_bytes(file());
  EXPECT_NE(first, second);  // same plaintext, different salt/nonce/ciphertext
  // The check block is untouched by a save (only the connector entry is re-sealed).
  EXPECT_EQ(first.substr(0, first.find("\"connectors\"")), second.substr(0, second.find("\"connectors\"")));
}

TEST_F(VaultTest, TamperedCiphertextOrTagIsDetected) {
  {
    Vault v = Vault::create(dir, kPassword, kFast);
    v.save("bitget", bitget_creds());
    v.save("okx", {{"api_key", Secret("okx-key")}});
  }
  const std::string original = read_bytes(file());
  for (const std::string field : {"ciphertext", "tag", "nonce", "salt"}) {
    write_bytes(file(), tamper(original, "bitget", field));
    Vault v = Vault::open(dir, kPassword);  // the header is intact: the password still opens the vault
    try {
      v.load("bitget");
      FAIL() << field << " tampering not detected";
    } catch (const WrongPasswordError&) {
      FAIL() << "tampering reported as a wrong password";
    } catch (const VaultError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("failed authentication"), std::string::npos) << what;
      EXPECT_EQ(what.find(kSecretKey), std::string::npos);
    }
    EXPECT_EQ(v.load("okx")->at("api_key").reveal(), "okx-key");  // other entries still readable
  }
}

TEST_F(VaultTest, SwappedEntriesAreDetected) {
  {
    Vault v = Vault::create(dir, kPassword, kFast);
    v.save("aaa", {{"k", Secret("value-a")}});
    v.save("bbb", {{"k", Secret("value-b")}});
  }
  std::string text = read_bytes(file());
  size_t a = text.find("\"aaa\""), b = text.find("\"bbb\"");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  text.replace(b, 5, "\"ccc\"");
  text.replace(a, 5, "\"bbb\"");
  text.replace(text.find("\"ccc\""), 5, "\"aaa\"");
  write_bytes(file(), text);
  Vault v = Vault::open(dir, kPassword);
  EXPECT_THROW(v.load("aaa"), VaultError);  // the connector id is authenticated data
  EXPECT_THROW(v.load("bbb"), VaultError);
}

TEST_F(VaultTest, TamperedHeaderIsRejected) {
  Vault::create(dir, kPassword, kFast);
  const std::string original = read_bytes(file());
  write_bytes(file(), tamper(original, "check", "tag"));
  EXPECT_THROW(Vault::open(dir, kPassword), WrongPasswordError);
  write_bytes(file(), tamper(original, "kdf", "salt"));
  EXPECT_THROW(Vault::open(dir, kPassword), WrongPasswordError);
  std::string weaker = original;
  weaker.replace(weaker.find("\"n\":1024"), 8, "\"n\":512");
  write_bytes(file(), weaker);
  EXPECT_THROW(Vault::open(dir, kPassword), WrongPasswordError);  // KDF params are bound to the check block
  write_bytes(file(), "{not json");
  EXPECT_THROW(Vault::open(dir, kPassword), VaultError);
  write_bytes(file(), original);
  EXPECT_NO_THROW(Vault::open(dir, kPassword));
}

TEST_F(VaultTest, ChangePassword) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("bitget", bitget_creds());
  v.save("okx", {{"api_key", Secret("okx-key")}});
  const Secret next("a brand new password");
  v.change_password(kPassword, next);
  EXPECT_EQ(*v.load("bitget"), bitget_creds());  // the open vault keeps working
  EXPECT_THROW(Vault::open(dir, kPassword), WrongPasswordError);
  Vault reopened = Vault::open(dir, next);
  EXPECT_EQ(reopened.connectors(), (std::vector<std::string>{"bitget", "okx"}));
  EXPECT_EQ(*reopened.load("bitget"), bitget_creds());
  EXPECT_EQ(reopened.load("okx")->at("api_key").reveal(), "okx-key");
  reopened.save("binance", {{"api_key", Secret("b")}});
  EXPECT_EQ(Vault::open(dir, next).load("binance")->at("api_key").reveal(), "b");
}

TEST_F(VaultTest, ChangePasswordWithWrongOldPasswordChangesNothing) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("bitget", bitget_creds());
  const std::string before = read_bytes(file());
  EXPECT_THROW(v.change_password(kWrong, Secret("other")), WrongPasswordError);
  EXPECT_THROW(v.change_password(kPassword, Secret("")), VaultError);
  EXPECT_EQ(read_bytes(file()), before);
  EXPECT_EQ(*Vault::open(dir, kPassword).load("bitget"), bitget_creds());
}

TEST_F(VaultTest, ChangePasswordCanRaiseTheWorkFactor) {
  Vault v = Vault::create(dir, kPassword, kFast);
  v.save("bitget", bitget_creds());
  const KdfParams stronger{uint64_t{1} << 11, 8, 2};
  v.change_password(kPassword, kPassword, stronger);
  Vault reopened = Vault::open(dir, kPassword);
  EXPECT_EQ(reopened.kdf(), stronger);
  EXPECT_EQ(*reopened.load("bitget"), bitget_creds());
}

TEST_F(VaultTest, StaleTempFileFromAnInterruptedSaveIsHarmless) {
  {
    Vault v = Vault::create(dir, kPassword, kFast);
    v.save("bitget", bitget_creds());
  }
  const fs::path tmp = file().string() + ".tmp";
  write_bytes(tmp, "{\"format\":\"nectar-vault\",\"version\":1,\"kdf\":{\"na");  // a half-written save
  Vault v = Vault::open(dir, kPassword);
  EXPECT_EQ(*v.load("bitget"), bitget_creds());
  v.save("okx", {{"api_key", Secret("okx-key")}});
  EXPECT_FALSE(fs::exists(tmp));
  Vault reopened = Vault::open(dir, kPassword);
  EXPECT_EQ(*reopened.load("bitget"), bitget_creds());
  EXPECT_EQ(reopened.load("okx")->at("api_key").reveal(), "okx-key");
}

TEST_F(VaultTest, InvalidInputsAreRejected) {
  EXPECT_THROW(Vault::create(dir, Secret(""), kFast), VaultError);
  EXPECT_THROW(Vault::create(dir, kPassword, KdfParams{1000, 8, 1}), VaultError);  // N not a power of two
  EXPECT_FALSE(Vault::exists(dir));
  Vault v = Vault::create(dir, kPassword, kFast);
  EXPECT_THROW(v.save("../evil", bitget_creds()), VaultError);
  EXPECT_THROW(v.save("", bitget_creds()), VaultError);
  EXPECT_THROW(v.load("a/b"), VaultError);
}

TEST_F(VaultTest, NoCoreDumpOnceSecretsAreInMemory) {
  Vault::create(dir, Secret("pw-core"), kFast);
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0) << "a crash could dump decrypted keys";
  rlimit core{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0);
  EXPECT_EQ(core.rlim_cur, 0u);
  EXPECT_EQ(core.rlim_max, 0u);
}

TEST_F(VaultTest, SecureWipeClears) {
  std::string s = "sensitive";
  secure_wipe(s);
  EXPECT_TRUE(s.empty());
}

TEST(VaultKdf, ProductionDefaultsAreHighAndWork) {
  const KdfParams defaults;
  EXPECT_EQ(defaults.n, uint64_t{1} << 17);
  EXPECT_EQ(defaults.r, 8u);
  EXPECT_EQ(defaults.p, 1u);
  // One real derivation at the production cost (128 MiB): checks OpenSSL's memory limit is set right.
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("nectar-vault-prod-" + std::to_string(rd()));
  {
    Vault v = Vault::create(dir, kPassword);
    EXPECT_EQ(v.kdf(), defaults);
  }
  std::string text = read_bytes(Vault::file_path(dir));
  EXPECT_NE(text.find("\"n\":131072"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
