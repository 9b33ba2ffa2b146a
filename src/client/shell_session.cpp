#include "client/shell_session.hpp"

#include <unistd.h>

#include <cctype>

#include <boost/asio/post.hpp>
#include <iostream>

#include "client/embedded_simulator.hpp"
#include "client/shell_io.hpp"
#include "client/strategy_runner.hpp"
#include "nectar/client/connectors.hpp"

namespace nectar::client {

ShellSession::ShellSession(ShellOptions o, Completer completer) : options(std::move(o)) {
  out = options.out ? options.out : &std::cout;
  std::istream* in = options.in ? options.in : &std::cin;
  terminal = !options.in && !options.out && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (options.line_editing && terminal) {
    std::error_code ec;
    std::filesystem::create_directories(options.config_dir, ec);
    reader = make_editline_reader(options.config_dir / ".nectar_history", std::move(completer));
  } else {
    reader = make_stream_reader(*in, *out);
  }
  register_all_connectors();
  io = std::make_unique<ShellIo>();
  io->thread = std::thread([context = &io->context] { context->run(); });
}

ShellSession::~ShellSession() {
  stop_threads();
}

void ShellSession::stop_threads() {
  io->guard.reset();
  io->context.stop();
  if (io->thread.joinable()) io->thread.join();
  sims.clear();  // stops them and joins their threads
}

std::optional<std::string> ShellSession::secret(const std::string& prompt) {
  if (options.read_secret) return options.read_secret(prompt);
  return reader->read_secret(prompt);
}

std::optional<bool> ShellSession::yes_or_no(const std::string& prompt) {
  for (;;) {
    auto answer = reader->read_answer(prompt);
    if (!answer) return std::nullopt;
    std::string a;
    for (char ch : *answer)
      if (ch != ' ' && ch != '\t') a += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (a == "yes" || a == "y") return true;
    if (a == "no" || a == "n") return false;
    say("Please answer Yes or No.");
  }
}

boost::asio::any_io_executor ShellSession::executor() {
  return io->context.get_executor();
}

void ShellSession::post(std::function<void()> f) {
  boost::asio::post(io->context, std::move(f));
}

}  // namespace nectar::client
