// What the shell's commands share: the options, the terminal, the vault, the connected exchanges, the loaded
// strategy config and the running strategy, plus the helpers every command uses to run code on the io
// thread. Each concern is a set of free functions over a ShellSession in its own file: shell_vault
// (password, saved keys), shell_connect, shell_market (order_book, ticker), shell_balance,
// shell_strategy_config (create, import, config), shell_run (start, stop, status), shell_history (history,
// export), shell_live_view (--live), shell_commands (help, completion); shell.cpp dispatches the command
// lines. Private to nectar_client.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "client/terminal.hpp"
#include "nectar/client/shell.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/security/vault.hpp"

namespace nectar::client {

class EmbeddedSimulator;
class StrategyRunner;
struct ShellIo;  // shell_io.hpp: the io_context, its thread and the strategy's tick timer

/// One connected exchange: its config (with the keys) and the live connector on the io thread.
struct Connection {
  ConnectorConfig config;
  std::unique_ptr<Connector> connector;
};

/// Thread affinity: the shell thread, except the members marked "io thread only".
struct ShellSession {
  /// Sets up the line reader (libedit with `completer` on a terminal, else the streams of `options`),
  /// registers the connectors and starts the io thread.
  ShellSession(ShellOptions options, Completer completer);
  /// stop_threads().
  ~ShellSession();
  ShellSession(const ShellSession&) = delete;
  ShellSession& operator=(const ShellSession&) = delete;

  ShellOptions options;
  bool terminal = false;  // stdin and stdout are a TTY (live views redraw in place)
  std::ostream* out = nullptr;
  std::unique_ptr<LineReader> reader;
  std::optional<security::Vault> vault;

  std::unique_ptr<ShellIo> io;
  std::map<std::string, Connection> connections;  // by connector id; connectors touched on the io thread only

  // Embedded simulators by exchange (each started on the first `--env simulator` of its connectors).
  std::map<std::string, std::unique_ptr<EmbeddedSimulator>> sims;
  bool shut_down = false;

  // The loaded strategy config (shell thread) and the running strategy (io thread).
  std::optional<StrategyConfig> strategy;
  std::string strategy_name;  // file stem, e.g. conf_pure_mm_1
  std::filesystem::path strategy_file;
  bool running = false;  // shell thread's view: a runner exists
  std::string running_exchange;
  std::unique_ptr<StrategyRunner> runner;  // io thread only
  bool ticking = false;                    // io thread only

  std::ostream& print() { return *out; }
  void say(const std::string& text) { *out << text << "\n" << std::flush; }
  /// One secret (password, API key) without echo; nullopt = end of input.
  std::optional<std::string> secret(const std::string& prompt);
  /// A Yes/No question, asked again until the answer is yes, y, no or n (any case); nullopt = end of input.
  std::optional<bool> yes_or_no(const std::string& prompt);

  // ---- io thread helpers ----

  /// Stops the io thread (joining it) and the embedded simulators (joining theirs); idempotent. The
  /// connectors and the strategy are stopped before (shell.cpp).
  void stop_threads();
  /// The io thread's executor (connectors are created on it).
  boost::asio::any_io_executor executor();
  /// Queues `f` on the io thread.
  void post(std::function<void()> f);
  /// Runs `f` on the io thread and returns its result (or rethrows its exception) on the calling thread.
  template <class F>
  auto on_io(F&& f) {
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    post([&task] { task(); });
    return fut.get();
  }
  /// Polls `pred` on the io thread every 50 ms until it holds (true) or `timeout` passes (false).
  template <class P>
  bool wait_until(P pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (on_io([&] { return static_cast<bool>(pred()); })) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // ---- files under the config directory ----

  std::filesystem::path strategies_dir() const { return options.config_dir / "strategies"; }
  std::filesystem::path data_dir() const { return options.config_dir / "data"; }
  /// The loaded config's journal.
  std::filesystem::path db_path() const { return data_dir() / (strategy_name + ".sqlite"); }
  std::filesystem::path paper_balances_file() const { return options.config_dir / "paper_balances.txt"; }
  std::filesystem::path balance_limits_file() const { return options.config_dir / "balance_limits.yml"; }
};

}  // namespace nectar::client
