#include "client/shell_live_view.hpp"

#include <poll.h>
#include <unistd.h>

#include <iostream>
#include <thread>

#include <fmt/chrono.h>

#include "client/shell_session.hpp"
#include "nectar/core/decimal.hpp"

namespace nectar::client {

using namespace std::chrono_literals;

std::optional<int> parse_seconds(ShellSession& shell, const std::string& text) {
  const auto n = Decimal::try_parse(text);
  if (!n || n->is_negative() || *n > Decimal::from_int(86400) ||
      Decimal::from_int(n->steps_of(Decimal::one())) != *n) {
    shell.say("Error: --seconds needs a whole number of seconds (0 to 86400).");
    return std::nullopt;
  }
  return static_cast<int>(n->steps_of(Decimal::one()));
}

void live_view(ShellSession& shell, const std::string& title, int seconds,
               const std::function<std::string()>& render) {
  if (seconds < 0) seconds = shell.terminal ? 0 : 10;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  if (shell.terminal && seconds == 0) shell.say("Live view: press Enter to return to the prompt.");
  for (int frame = 0;; ++frame) {
    const std::string text = render();
    if (shell.terminal)
      shell.print() << "\033[H\033[2J";  // redraw in place
    else if (frame > 0)
      shell.print() << "\n";
    const auto now = std::chrono::system_clock::now();
    shell.print() << title << "   (live, "
                  << fmt::format("{:%H:%M:%S}", std::chrono::floor<std::chrono::seconds>(now))
                  << (shell.terminal ? ", Enter to leave)" : ")") << "\n"
                  << text << std::flush;
    if (seconds > 0 && std::chrono::steady_clock::now() >= until) break;
    if (shell.terminal) {
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      if (::poll(&pfd, 1, 1000) > 0) {
        std::string discard;
        std::getline(std::cin, discard);
        break;
      }
    } else {
      std::this_thread::sleep_for(1s);
    }
  }
}

}  // namespace nectar::client
