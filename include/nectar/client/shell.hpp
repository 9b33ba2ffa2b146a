// The interactive client: a Hummingbot-style command shell (connect, balance, order_book, ticker, create,
// import, config, start, status, stop, history, export, help, exit) over the connector registry, with
// credentials kept in the encrypted vault and strategy configs in `<config_dir>/strategies`. See
// docs/client.md.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nectar/connectors/registry.hpp"
#include "nectar/security/vault.hpp"

namespace nectar::client {

/// An exchange simulator already running elsewhere, used for `connect <id> --env simulator` instead of
/// starting the embedded one (tests, or `nectar sim <exchange>` in another terminal).
struct ExternalSimulator {
  Endpoints endpoints;
  std::map<std::string, Secret> default_credentials;  ///< offered when the user presses Enter
};

struct ShellOptions {
  /// Configuration directory; the vault lives in `<config_dir>/secrets`, the history in
  /// `<config_dir>/.nectar_history`.
  std::filesystem::path config_dir = "conf";
  /// Command input and output; nullptr = std::cin / std::cout.
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  /// Line editing, history and tab completion (libedit). Only used when `in`/`out` are the defaults and
  /// stdin and stdout are terminals.
  bool line_editing = true;
  /// Reads one secret (password, API key) without echo; nullopt = end of input. Default: from the terminal
  /// with echo off, or one line of `in` when it is not a terminal.
  std::function<std::optional<std::string>(const std::string& prompt)> read_secret;
  /// Work factor of a newly created vault (tests pass a small N). An existing vault keeps its own.
  security::KdfParams kdf = {};
  /// When set, `--env simulator` uses this simulator instead of starting an embedded one.
  std::optional<ExternalSimulator> simulator;
  /// Reconnect every connector with saved keys after the vault is opened.
  bool connect_saved = true;
  /// How long `balance`, `order_book` and `ticker` wait for a connector's data.
  std::chrono::milliseconds data_timeout{15000};
  /// How often a started strategy ticks (Hummingbot's clock: 1 s).
  std::chrono::milliseconds tick_interval{1000};
  /// How long `stop` / `exit` wait for the strategy's cancels to be confirmed.
  std::chrono::milliseconds stop_timeout{15000};
};

/// The shell. Thread affinity: all public methods on one thread (the shell thread); connectors run on an
/// internal io_context thread, the embedded simulator on another.
class Shell {
 public:
  explicit Shell(ShellOptions options);
  ~Shell();
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  /// Asks for the password and creates (first start) or opens the vault: 3 tries. False when it could not
  /// (the vault is left as it was).
  bool unlock();
  /// Reconnects every connector with keys in the vault (prints one line each).
  void connect_saved();
  /// Runs one command line. False when the shell should end (`exit`).
  bool execute(const std::string& line);
  /// unlock + connect_saved + the read-execute loop until `exit` or end of input; stops the connectors.
  /// Returns the process exit code.
  int run();
  /// Stops every connector and the embedded simulator (idempotent; also done by the destructor). A running
  /// strategy is dropped WITHOUT cancelling its orders (as if the process were killed): they stay on the
  /// exchange and in the journal, and the next `start` of that config restores them. `exit` (and the end of
  /// input in run()) stops the strategy and cancels its orders first.
  void shutdown();

  /// Completion candidates for the word being typed, given the line up to the cursor.
  std::vector<std::string> complete(const std::string& line_before_cursor) const;
  /// Every command name, in help order.
  static std::vector<std::string> commands();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Entry point of `nectar` / `nectar shell`.
int run_shell(const ShellOptions& options);

}  // namespace nectar::client
