#include "nectar/client/shell.hpp"

#include "client/shell_balance.hpp"
#include "client/shell_commands.hpp"
#include "client/shell_connect.hpp"
#include "client/shell_history.hpp"
#include "client/shell_market.hpp"
#include "client/shell_run.hpp"
#include "client/shell_session.hpp"
#include "client/shell_strategy_config.hpp"
#include "client/shell_vault.hpp"
#include "client/text.hpp"

namespace nectar::client {

// The shell over its session: every command is a function of one concern (shell_<concern>.cpp); this file
// dispatches the command lines and owns the session's life.
struct Shell::Impl {
  explicit Impl(ShellOptions o)
      : session(std::move(o), [this](const std::string& line) { return complete_line(session, line); }) {}

  ~Impl() { shutdown(); }

  ShellSession session;

  bool execute(const std::string& line) {
    const auto args = split_words(line);
    if (args.empty()) return true;
    const std::string& cmd = args[0];
    ShellSession& s = session;
    try {
      if (cmd == "exit" || cmd == "quit") {
        const bool keep = args.size() == 2 && (args[1] == "--keep-orders" || args[1] == "-f");
        if (args.size() > 2 || (args.size() == 2 && !keep)) {
          s.say("Error: usage: exit [--keep-orders]");
          return true;
        }
        if (s.running && keep) {
          leave_orders_open(s);
        } else if (s.running) {
          stop_strategy(s);
        }
        return false;
      }
      if (cmd == "help" || cmd == "?")
        cmd_help(s, args);
      else if (cmd == "connect")
        cmd_connect(s, args);
      else if (cmd == "balance")
        cmd_balance(s, args);
      else if (cmd == "order_book")
        cmd_order_book(s, args);
      else if (cmd == "ticker")
        cmd_ticker(s, args);
      else if (cmd == "status")
        cmd_status(s, args);
      else if (cmd == "create")
        cmd_create(s, args);
      else if (cmd == "import")
        cmd_import(s, args);
      else if (cmd == "config")
        cmd_config(s, args);
      else if (cmd == "start")
        cmd_start(s, args);
      else if (cmd == "stop")
        cmd_stop(s);
      else if (cmd == "history")
        cmd_history(s, args);
      else if (cmd == "export")
        cmd_export(s, args);
      else
        s.say(unknown_command_text(cmd));
    } catch (const std::exception& e) {
      s.say(std::string("Error: ") + e.what());
    }
    return true;
  }

  void shutdown() {
    ShellSession& s = session;
    if (s.shut_down) return;
    s.shut_down = true;
    drop_strategy(s);
    disconnect_all(s);
    s.stop_threads();
  }
};

Shell::Shell(ShellOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Shell::~Shell() = default;

bool Shell::unlock() {
  return unlock_vault(impl_->session);
}
void Shell::connect_saved() {
  client::connect_saved(impl_->session);
}
bool Shell::execute(const std::string& line) {
  return impl_->execute(line);
}
void Shell::shutdown() {
  impl_->shutdown();
}
std::vector<std::string> Shell::complete(const std::string& line) const {
  return complete_line(impl_->session, line);
}

std::vector<std::string> Shell::commands() {
  return command_names();
}

int Shell::run() {
  ShellSession& s = impl_->session;
  if (!unlock()) {
    impl_->shutdown();
    return 1;
  }
  if (s.options.connect_saved) connect_saved();
  s.say("Type `help` for the commands, `connect` to add an exchange.");
  for (;;) {
    auto line = s.reader->read_line(">>> ");
    if (!line) {
      stop_strategy_if_running(s);
      break;
    }
    if (!execute(*line)) break;
  }
  s.say("Stopping the connectors...");
  impl_->shutdown();
  s.say("Goodbye.");
  return 0;
}

int run_shell(const ShellOptions& options) {
  Shell shell(options);
  return shell.run();
}

}  // namespace nectar::client
