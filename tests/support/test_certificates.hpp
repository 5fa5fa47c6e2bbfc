// A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with the openssl
// command: DIR/ca.pem, DIR/server.pem and DIR/server.key (the tools' output goes to
// DIR/openssl.log). False when openssl is missing or fails.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

namespace hotreload::testing {

inline bool make_test_certificates(const std::string& dir) {
  std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1\n";
  const std::string quiet = " >>" + dir + "/openssl.log 2>&1";
  const std::string commands[] = {
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir + "/ca.key -out " + dir +
          "/ca.pem -days 1 -subj /CN=hotreload-test-ca" + quiet,
      "openssl req -newkey rsa:2048 -nodes -keyout " + dir + "/server.key -out " + dir +
          "/server.csr -subj /CN=127.0.0.1" + quiet,
      "openssl x509 -req -in " + dir + "/server.csr -CA " + dir + "/ca.pem -CAkey " + dir + "/ca.key -CAcreateserial -out " +
          dir + "/server.pem -days 1 -extfile " + dir + "/san.ext" + quiet,
  };
  for (const std::string& command : commands) {
    if (std::system(command.c_str()) != 0) return false;
  }
  return true;
}

}  // namespace hotreload::testing
