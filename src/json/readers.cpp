#include "nectar/json/readers.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <limits>

namespace nectar::json {

namespace {

using boost::system::error_code;

// Builds the DOM like boost::json::parser does, except that a number Boost.JSON would turn into a double is
// kept as a string of its source text.
struct ExactHandler {
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  bj::value_stack st;
  std::string number;  // parts of a number split across buffers (not with one write, but be safe)

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view s, error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, bj::string_view, error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, bj::string_view, error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double, bj::string_view s, error_code&) {
    number.append(s.data(), s.size());
    st.push_string(number);
    number.clear();
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, error_code&) { return true; }
  bool on_comment(bj::string_view, error_code&) { return true; }
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

bj::value parse_exact(std::string_view text, error_code& ec) {
  bj::basic_parser<ExactHandler> p(bj::parse_options{});
  p.handler().st.reset();
  const std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) {
    // Only white space may follow the document.
    for (std::size_t i = n; i < text.size() && !ec; ++i)
      if (!is_space(text[i])) ec = bj::error::extra_data;
  }
  if (ec) return nullptr;
  if (!p.done()) {
    ec = bj::error::incomplete;
    return nullptr;
  }
  return p.handler().st.release();
}

std::optional<bj::value> try_parse_exact(std::string_view text) {
  error_code ec;
  bj::value v = parse_exact(text, ec);
  if (ec) return std::nullopt;
  return v;
}

const bj::value* field(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

const bj::object* object_of(const bj::value& v) {
  return v.is_object() ? &v.get_object() : nullptr;
}

const bj::array* array_of(const bj::value& v) {
  return v.is_array() ? &v.get_array() : nullptr;
}

const bj::object* object_field(const bj::object& o, std::string_view key) {
  const bj::value* v = field(o, key);
  return v ? object_of(*v) : nullptr;
}

const bj::array* array_field(const bj::object& o, std::string_view key) {
  const bj::value* v = field(o, key);
  return v ? array_of(*v) : nullptr;
}

std::string_view str_or(const bj::object& o, std::string_view key, std::string_view fallback) {
  const bj::value* v = field(o, key);
  if (!v || !v->is_string()) return fallback;
  return v->get_string();
}

std::optional<std::string> text_of(const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  return std::nullopt;
}

std::string text_or_empty(const bj::object& o, std::string_view key) {
  const bj::value* v = field(o, key);
  if (!v) return {};
  return text_of(*v).value_or(std::string());
}

std::optional<Decimal> decimal_of(const bj::value& v) {
  if (v.is_string()) {
    if (v.get_string().empty()) return std::nullopt;
    return Decimal::try_parse(v.get_string());
  }
  if (v.is_int64()) return Decimal::from_int(v.get_int64());
  if (v.is_uint64()) return Decimal::try_parse(std::to_string(v.get_uint64()));
  return std::nullopt;
}

std::optional<Decimal> decimal(const bj::object& o, std::string_view key) {
  const bj::value* v = field(o, key);
  return v ? decimal_of(*v) : std::nullopt;
}

Decimal decimal_or_zero(const bj::object& o, std::string_view key) {
  return decimal(o, key).value_or(Decimal{});
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char* first = text.data();
  const char* last = first + text.size();
  if (*first == '+') ++first;  // from_chars takes '-' but not '+'
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(first, last, out);
  if (ec != std::errc{} || ptr != last || first == last) return std::nullopt;
  return out;
}

std::optional<int64_t> int_of(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_string()) return parse_int(v.get_string());
  return std::nullopt;
}

int64_t int_or(const bj::object& o, std::string_view key, int64_t fallback) {
  const bj::value* v = field(o, key);
  if (!v) return fallback;
  return int_of(*v).value_or(fallback);
}

std::optional<bool> bool_of(const bj::value& v) {
  if (v.is_bool()) return v.get_bool();
  if (v.is_string()) {
    if (v.get_string() == "true") return true;
    if (v.get_string() == "false") return false;
  }
  return std::nullopt;
}

std::optional<Decimal> decimal_from_token(std::string_view raw) {
  while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') {
    raw = raw.substr(1, raw.size() - 2);
    if (raw.find('\\') != std::string_view::npos) return std::nullopt;
  }
  if (raw.empty()) return std::nullopt;
  return Decimal::try_parse(raw);
}

}  // namespace nectar::json
