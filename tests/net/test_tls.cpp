// HTTPS and WSS against a local TLS server whose certificate (for "localhost" only) is signed on the fly:
// proves chain verification, SNI and host name checking without reaching the internet.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "nectar/net/http_client.hpp"
#include "nectar/net/websocket_client.hpp"
#include "scripted_server.hpp"
#include "test_util.hpp"

using namespace nectar::net;
using nectar::test::run_sync;
using nectar::test::ScriptedServer;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;

namespace {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_file;  // the certificate itself, as a trust anchor for the client
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

/// A self-signed P-256 certificate valid for DNS:localhost only.
const TestCertificate& certificate() {
  static const TestCertificate cert = [] {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("nectar test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(x, key, EVP_sha256());
    TestCertificate out;
    BIO* cb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, x);
    out.cert_pem = bio_string(cb);
    BIO_free(cb);
    BIO* kb = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
    out.key_pem = bio_string(kb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(key);
    out.ca_file =
        (std::filesystem::temp_directory_path() / ("nectar_test_ca_" + std::to_string(::getpid()) + ".pem"))
            .string();
    std::ofstream(out.ca_file) << out.cert_pem;
    return out;
  }();
  return cert;
}

ssl::context server_context() {
  ssl::context ctx(ssl::context::tls_server);
  ctx.use_certificate_chain(boost::asio::buffer(certificate().cert_pem));
  ctx.use_private_key(boost::asio::buffer(certificate().key_pem), ssl::context::pem);
  return ctx;
}

/// Serves `connections` HTTPS requests with a fixed body; records the SNI name of the last handshake.
struct HttpsServer {
  explicit HttpsServer(int connections)
      : ctx(server_context()), server(connections, [this](tcp::socket& s, int) {
          ssl::stream<tcp::socket&> tls(s, ctx);
          boost::system::error_code ec;
          tls.handshake(ssl::stream_base::server, ec);
          if (ec) return;
          if (const char* n = SSL_get_servername(tls.native_handle(), TLSEXT_NAMETYPE_host_name)) sni = n;
          ScriptedServer::read_head(tls);
          ScriptedServer::write(tls,
                                "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure");
          tls.shutdown(ec);
        }) {}
  ssl::context ctx;
  std::string sni;
  ScriptedServer server;
};

}  // namespace

TEST(Tls, HttpsVerifiesChainAndSendsSni) {
  HttpsServer https(1);
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), TlsConfig{certificate().ca_file});
  const auto url = "https://localhost:" + std::to_string(https.server.port()) + "/api/time";
  const HttpResponse res = run_sync(io, client.request(nectar::test::make_request("GET", url)));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "secure");
  EXPECT_EQ(https.sni, "localhost");
}

TEST(Tls, HostNameMismatchIsRejected) {
  HttpsServer https(2);
  boost::asio::io_context io;
  HttpClient client(io.get_executor(), TlsConfig{certificate().ca_file});
  // The certificate names localhost, not 127.0.0.1.
  try {
    run_sync(io, client.request(nectar::test::make_request(
                     "GET", "https://127.0.0.1:" + std::to_string(https.server.port()) + "/")));
    FAIL() << "expected a TLS error";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kTls) << e.what();
    EXPECT_NE(std::string(e.what()).find("TLS handshake with 127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST(Tls, UntrustedCertificateIsRejected) {
  HttpsServer https(2);
  boost::asio::io_context io;
  HttpClient client(io.get_executor());  // system store only
  try {
    run_sync(io, client.request(nectar::test::make_request(
                     "GET", "https://localhost:" + std::to_string(https.server.port()) + "/")));
    FAIL() << "expected a TLS error";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kTls) << e.what();
    EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
  }
}

TEST(Tls, HttpsToPlainServerIsTlsError) {
  ScriptedServer plain(1, [](tcp::socket& s, int) {
    ScriptedServer::write(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    ScriptedServer::drain(s);
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  try {
    run_sync(io, client.request(nectar::test::make_request(
                     "GET", "https://localhost:" + std::to_string(plain.port()) + "/")));
    FAIL() << "expected a TLS error";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kTls) << e.what();
  }
}

TEST(Tls, WssEchoWithPadding) {
  auto ctx = server_context();
  ScriptedServer server(1, [&](tcp::socket& s, int) {
    namespace websocket = boost::beast::websocket;
    websocket::stream<ssl::stream<tcp::socket&>> ws(s, ctx);
    ws.next_layer().handshake(ssl::stream_base::server);
    ws.accept();
    boost::beast::flat_buffer buffer;
    ws.read(buffer);
    ws.text(true);
    ws.write(buffer.data());
    boost::system::error_code ec;
    ws.read(buffer, ec);  // until the client goes away
  });
  boost::asio::io_context io;
  WebSocketClient ws(io.get_executor(), TlsConfig{certificate().ca_file});
  run_sync(io,
           ws.connect("wss://localhost:" + std::to_string(server.port()) + "/ws", std::chrono::seconds(5)));
  EXPECT_TRUE(ws.is_open());
  run_sync(io, ws.send_text(R"({"op":"subscribe"})"));
  const std::string_view msg = run_sync(io, ws.read(std::chrono::seconds(5)));
  EXPECT_EQ(msg, R"({"op":"subscribe"})");
  ws.close();
  EXPECT_FALSE(ws.is_open());
}
