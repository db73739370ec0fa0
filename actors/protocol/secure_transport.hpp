// TLS on the CAF port. With --tls_cert_file, --tls_key_file and
// --tls_ca_file set (apps/flags_common), the process loads CAF's OpenSSL
// module, which then demands a certificate signed by that CA from every
// peer, in both directions: a scheduler refuses plain-text and wrongly
// signed workers and shells before any message is read, and they refuse a
// scheduler that cannot prove itself. These two functions pick the TLS or
// the plain path, so that callers do not repeat the choice.
//
// Thread-safe: they only read the actor system's module table.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <cstdint>

namespace bistro {

/// The actor to send `connect_atom` to: the OpenSSL module's when TLS is
/// on, else the middleman's.
inline caf::io::middleman_actor connector(caf::actor_system& sys) {
  return sys.has_openssl_manager() ? sys.openssl_manager().actor_handle()
                                   : sys.middleman().actor_handle();
}

/// Publishes `handle` on `port` (address `addr`, nullptr = all), over TLS
/// when it is on.
template <class Handle>
caf::expected<std::uint16_t> publish_actor(caf::actor_system& sys,
                                           const Handle& handle,
                                           std::uint16_t port,
                                           const char* addr) {
  if (sys.has_openssl_manager())
    return caf::openssl::publish(handle, port, addr, true);
  return sys.middleman().publish(handle, port, addr, true);
}

}  // namespace bistro
