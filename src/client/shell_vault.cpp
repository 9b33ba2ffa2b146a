#include "client/shell_vault.hpp"

#include "client/shell_session.hpp"

namespace nectar::client {

using security::Vault;

namespace {

/// Vault entry key holding the environment chosen at `connect` (stored next to the credentials).
constexpr const char* kEnvironmentKey = "environment";

}  // namespace

bool unlock_vault(ShellSession& shell) {
  const auto dir = shell.options.config_dir / "secrets";
  if (!Vault::exists(dir)) {
    shell.say(
        "Welcome to nectar. Create a password to protect your exchange API keys; it is asked at every "
        "start "
        "and cannot be recovered.");
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto first = shell.secret("Enter your new password >>> ");
      if (!first) return false;
      if (first->empty()) {
        shell.say("The password must not be empty.");
        continue;
      }
      auto second = shell.secret("Please reenter your password >>> ");
      if (!second) {
        security::secure_wipe(*first);
        return false;
      }
      const bool same = *first == *second;
      security::secure_wipe(*second);
      if (!same) {
        security::secure_wipe(*first);
        shell.say("The passwords you entered do not match, please try again.");
        continue;
      }
      Secret password(*first);
      security::secure_wipe(*first);
      try {
        shell.vault.emplace(Vault::create(dir, password, shell.options.kdf));
      } catch (const std::exception& e) {
        shell.say(std::string("Error: could not create the vault: ") + e.what());
        return false;
      }
      shell.say("Your password is set. Keys saved with `connect` are encrypted with it in " + dir.string() +
                ".");
      return true;
    }
    shell.say("No password set; nothing was created.");
    return false;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto text = shell.secret("Enter your password >>> ");
    if (!text) return false;
    Secret password(*text);
    security::secure_wipe(*text);
    try {
      shell.vault.emplace(Vault::open(dir, password));
      return true;
    } catch (const security::WrongPasswordError&) {
      shell.say(attempt < 2 ? "Invalid password - please try again." : "Invalid password.");
    } catch (const std::exception& e) {
      shell.say(std::string("Error: could not open the vault: ") + e.what());
      return false;
    }
  }
  shell.say("Too many wrong passwords; the vault was left unchanged.");
  return false;
}
std::optional<ConnectorConfig> saved_config(security::Vault& vault, const std::string& id) {
  auto creds = vault.load(id);
  if (!creds) return std::nullopt;
  ConnectorConfig config;
  config.id = id;
  if (auto it = creds->find(kEnvironmentKey); it != creds->end()) {
    config.environment = parse_environment(it->second.reveal()).value_or(Environment::kProduction);
    creds->erase(it);
  }
  config.credentials = std::move(*creds);
  return config;
}
void save_keys(security::Vault& vault, const ConnectorConfig& config) {
  auto entry = config.credentials;
  entry[kEnvironmentKey] = Secret(std::string(to_string(config.environment)));
  vault.save(config.id, entry);
}

}  // namespace nectar::client
