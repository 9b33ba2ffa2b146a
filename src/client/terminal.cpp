#include "client/terminal.hpp"

#include <editline/readline.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "nectar/security/vault.hpp"

namespace nectar::client {

namespace {

class StreamReader final : public LineReader {
 public:
  StreamReader(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

  std::optional<std::string> read_line(const std::string& prompt) override {
    out_ << prompt << std::flush;
    std::string line;
    if (!std::getline(in_, line)) {
      out_ << "\n" << std::flush;
      return std::nullopt;
    }
    strip_cr(line);
    out_ << line << "\n" << std::flush;  // a readable transcript
    return line;
  }
  std::optional<std::string> read_answer(const std::string& prompt) override { return read_line(prompt); }
  std::optional<std::string> read_secret(const std::string& prompt) override {
    out_ << prompt << "\n" << std::flush;  // the answer is never echoed
    std::string line;
    if (!std::getline(in_, line)) return std::nullopt;
    strip_cr(line);
    return line;
  }

 private:
  static void strip_cr(std::string& line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  std::istream& in_;
  std::ostream& out_;
};

// libedit's readline interface is process-global; one EditlineReader at a time.
Completer* g_completer = nullptr;
std::vector<std::string> g_matches;

char* match_generator(const char* text, int state) {
  static std::size_t next = 0;
  if (state == 0) next = 0;
  while (next < g_matches.size()) {
    const std::string& m = g_matches[next++];
    if (m.compare(0, std::strlen(text), text) == 0) return ::strdup(m.c_str());
  }
  return nullptr;
}

char** attempted_completion(const char* text, int start, int end) {
  (void)end;
  rl_attempted_completion_over = 1;  // no file name completion
  g_matches.clear();
  if (g_completer && rl_line_buffer) {
    std::string before(rl_line_buffer, static_cast<std::size_t>(start));
    before += text;
    g_matches = (*g_completer)(before);
  }
  return rl_completion_matches(text, match_generator);
}

class EditlineReader final : public LineReader {
 public:
  EditlineReader(std::filesystem::path history_file, Completer completer)
      : history_file_(std::move(history_file)), completer_(std::move(completer)) {
    g_completer = &completer_;
    rl_readline_name = const_cast<char*>("nectar");
    rl_attempted_completion_function = attempted_completion;
    rl_basic_word_break_characters = " \t";
    using_history();
    stifle_history(1000);
    if (!history_file_.empty()) read_history(history_file_.c_str());
  }
  ~EditlineReader() override {
    if (!history_file_.empty()) write_history(history_file_.c_str());
    rl_attempted_completion_function = nullptr;
    g_completer = nullptr;
  }

  std::optional<std::string> read_line(const std::string& prompt) override {
    char* raw = ::readline(prompt.c_str());
    if (!raw) {
      std::cout << "\n" << std::flush;
      return std::nullopt;
    }
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    return line;
  }
  std::optional<std::string> read_answer(const std::string& prompt) override {
    rl_attempted_completion_function = nullptr;
    char* raw = ::readline(prompt.c_str());
    rl_attempted_completion_function = attempted_completion;
    if (!raw) return std::nullopt;
    std::string line(raw);
    std::free(raw);
    return line;
  }
  std::optional<std::string> read_secret(const std::string& prompt) override {
    return read_hidden_from_terminal(prompt);
  }

 private:
  std::filesystem::path history_file_;
  Completer completer_;
};

}  // namespace

std::unique_ptr<LineReader> make_stream_reader(std::istream& in, std::ostream& out) {
  return std::make_unique<StreamReader>(in, out);
}

std::unique_ptr<LineReader> make_editline_reader(std::filesystem::path history_file, Completer completer) {
  return std::make_unique<EditlineReader>(std::move(history_file), std::move(completer));
}

std::optional<std::string> read_hidden_from_terminal(const std::string& prompt) {
  return read_hidden_from_terminal(prompt, std::cout);
}

std::optional<std::string> read_hidden_from_terminal(const std::string& prompt, std::ostream& out) {
  termios old{};
  const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= static_cast<tcflag_t>(ICANON);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  // The prompt only once echo is off: whatever is typed after it appears is never shown.
  out << prompt << std::flush;
  // Byte by byte from the descriptor, so nothing is left in a stdio buffer that libedit does not see.
  std::string line;
  bool got_any = false;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n <= 0) break;
    got_any = true;
    if (c == '\n') break;
    if (c != '\r') line.push_back(c);
  }
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    out << "\n" << std::flush;
  }
  if (!got_any) {
    security::secure_wipe(line);
    return std::nullopt;
  }
  return line;
}

}  // namespace nectar::client
