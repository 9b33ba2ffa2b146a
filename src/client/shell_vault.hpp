// The shell's vault: the password that creates or opens `<config_dir>/secrets`, and each connector's keys
// with the environment chosen at `connect`. Private to nectar_client.
#pragma once

#include <optional>
#include <string>

#include "nectar/connectors/registry.hpp"
#include "nectar/security/vault.hpp"

namespace nectar::client {

struct ShellSession;

/// Asks for the password and creates (first start) or opens the vault into `shell.vault`: 3 tries. False
/// when it could not (the vault is left as it was).
bool unlock_vault(ShellSession& shell);
/// The keys and environment saved for connector `id`; nullopt when there are none. Throws when the vault
/// cannot be read.
std::optional<ConnectorConfig> saved_config(security::Vault& vault, const std::string& id);
/// Saves the config's keys and environment for its connector.
void save_keys(security::Vault& vault, const ConnectorConfig& config);

}  // namespace nectar::client
