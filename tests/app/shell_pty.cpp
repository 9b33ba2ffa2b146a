// The interactive shell driven as a user drives it: the real `nectar` executable on a pseudo-terminal, so the
// terminal paths run (libedit line editing, tab completion, password prompts with echo off, the history
// file).
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kPassword = "pty-password-Zq81";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// `nectar --conf <dir>` on the slave side of a pseudo-terminal; the test types on the master side.
class PtyShell {
 public:
  explicit PtyShell(const fs::path& conf) {
    struct winsize ws {};
    ws.ws_row = 50;
    ws.ws_col = 160;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ == 0) {
      ::setenv("TERM", "xterm", 1);
      ::execl(NECTAR_EXECUTABLE, NECTAR_EXECUTABLE, "--conf", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~PtyShell() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  bool started() const { return pid_ > 0; }

  /// Reads until `text` has appeared after the current mark (then moves the mark past it) or the timeout.
  bool expect(const std::string& text, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto at = transcript_.find(text, mark_);
      if (at != std::string::npos) {
        mark_ = at + text.size();
        return true;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !pump(static_cast<int>(left.count()))) return false;
    }
  }
  void type(const std::string& keys) {
    std::size_t done = 0;
    while (done < keys.size()) {
      const ssize_t n = ::write(master_, keys.data() + done, keys.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  /// Waits for the process to end; its exit code, or -1.
  int wait_exit(std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        while (pump(50)) {
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      pump(100);
    }
    return -1;
  }
  const std::string& transcript() const { return transcript_; }

 private:
  /// Reads what is available within `timeout_ms`; false on timeout or end of output.
  bool pump(int timeout_ms) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(master_, buf, sizeof buf);
    if (n <= 0) return false;
    transcript_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string transcript_;
  std::size_t mark_ = 0;
};

class ShellPty : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("nectar-pty-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
};

TEST_F(ShellPty, PasswordHiddenCompletionHistoryAndPaperTrading) {
  const fs::path conf = dir / "conf";
  {
    PtyShell shell(conf);
    ASSERT_TRUE(shell.started());
    ASSERT_TRUE(shell.expect("Enter your new password >>> ")) << shell.transcript();
    shell.type(kPassword + "\r");
    ASSERT_TRUE(shell.expect("Please reenter your password >>> ")) << shell.transcript();
    shell.type(kPassword + "\r");
    ASSERT_TRUE(shell.expect(">>> ")) << shell.transcript();
    // Tab completes the command and the connector id.
    shell.type("connect bitget_pa\t--env simulator\r");  // completion adds the space
    ASSERT_TRUE(shell.expect("You are now connected to bitget_paper_trade.")) << shell.transcript();
    shell.type("bal\t\r");
    ASSERT_TRUE(shell.expect("bitget_paper_trade:")) << shell.transcript();
    ASSERT_TRUE(shell.expect("Total value:")) << shell.transcript();
    shell.type("exit\r");
    EXPECT_EQ(shell.wait_exit(), 0) << shell.transcript();
    const std::string& t = shell.transcript();
    EXPECT_EQ(t.find(kPassword), std::string::npos) << "the password was echoed: " << t;
  }
  // The history file (libedit's format: spaces as \040) keeps the commands, never the password.
  const std::string history = read_file(conf / ".nectar_history");
  EXPECT_NE(history.find("connect\\040bitget_paper_trade\\040--env\\040simulator\n"), std::string::npos)
      << history;
  EXPECT_EQ(history.find(kPassword), std::string::npos) << history;

  // Second start: a wrong password is refused on the terminal too, then the right one opens the vault.
  PtyShell again(conf);
  ASSERT_TRUE(again.expect("Enter your password >>> ")) << again.transcript();
  again.type("not-the-password\r");
  ASSERT_TRUE(again.expect("Invalid password - please try again.")) << again.transcript();
  ASSERT_TRUE(again.expect("Enter your password >>> ")) << again.transcript();
  again.type(kPassword + "\r");
  ASSERT_TRUE(again.expect(">>> ")) << again.transcript();
  again.type("exit\r");
  EXPECT_EQ(again.wait_exit(), 0) << again.transcript();
  EXPECT_EQ(again.transcript().find(kPassword), std::string::npos) << again.transcript();
  EXPECT_EQ(again.transcript().find("not-the-password"), std::string::npos) << again.transcript();
}

}  // namespace
