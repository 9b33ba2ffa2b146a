// Line input of the shell: a plain stream (tests, pipes) or libedit (terminal: editing, history, completion).
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nectar::client {

class LineReader {
 public:
  virtual ~LineReader() = default;
  /// One command line; nullopt at end of input.
  virtual std::optional<std::string> read_line(const std::string& prompt) = 0;
  /// One answer to a question (echoed, not kept in the history).
  virtual std::optional<std::string> read_answer(const std::string& prompt) = 0;
  /// One secret, never echoed.
  virtual std::optional<std::string> read_secret(const std::string& prompt) = 0;
};

/// Reads lines from `in`; prompts and the commands read are written to `out` (secrets are not).
std::unique_ptr<LineReader> make_stream_reader(std::istream& in, std::ostream& out);

using Completer = std::function<std::vector<std::string>(const std::string& line_before_cursor)>;

/// libedit on stdin/stdout with history in `history_file` and tab completion from `completer`.
std::unique_ptr<LineReader> make_editline_reader(std::filesystem::path history_file, Completer completer);

/// Reads one line from stdin with echo off when it is a terminal (a plain line otherwise), after writing
/// `prompt` to `out` (echo is off before the prompt appears). nullopt at end of input.
std::optional<std::string> read_hidden_from_terminal(const std::string& prompt, std::ostream& out);
/// The same with the prompt on stdout.
std::optional<std::string> read_hidden_from_terminal(const std::string& prompt);

}  // namespace nectar::client
