# hotreload::flag_sync: the flagd sync service over gRPC (include/hotreload/flag_sync.hpp). The
# protocol's C++ code is generated at build time from proto/flagd/sync/v1/sync.proto into the
# build tree (hotreload_flagd_sync_proto, which the tests' gRPC client links too).
find_package(gRPC CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
find_program(HOTRELOAD_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

set(_proto_root ${PROJECT_SOURCE_DIR}/proto)
set(_proto_out ${PROJECT_BINARY_DIR}/proto)
set(_proto_stem ${_proto_out}/flagd/sync/v1/sync)
add_custom_command(
  OUTPUT ${_proto_stem}.pb.cc ${_proto_stem}.pb.h ${_proto_stem}.grpc.pb.cc ${_proto_stem}.grpc.pb.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_proto_out}
  COMMAND protobuf::protoc --proto_path=${_proto_root} --cpp_out=${_proto_out} --grpc_out=${_proto_out}
          --plugin=protoc-gen-grpc=${HOTRELOAD_GRPC_CPP_PLUGIN} ${_proto_root}/flagd/sync/v1/sync.proto
  DEPENDS ${_proto_root}/flagd/sync/v1/sync.proto
  COMMENT "protoc: flagd/sync/v1/sync.proto"
  VERBATIM)

add_library(hotreload_flagd_sync_proto STATIC ${_proto_stem}.pb.cc ${_proto_stem}.grpc.pb.cc)
target_include_directories(hotreload_flagd_sync_proto PUBLIC $<BUILD_INTERFACE:${_proto_out}>)
target_link_libraries(hotreload_flagd_sync_proto PUBLIC gRPC::grpc++ protobuf::libprotobuf)
target_compile_features(hotreload_flagd_sync_proto PUBLIC cxx_std_20)

file(GLOB HOTRELOAD_FLAG_SYNC_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/flag_sync/*.cpp)
add_library(hotreload_flag_sync ${HOTRELOAD_FLAG_SYNC_SOURCES})
add_library(hotreload::flag_sync ALIAS hotreload_flag_sync)
set_target_properties(hotreload_flag_sync PROPERTIES EXPORT_NAME flag_sync)
target_include_directories(hotreload_flag_sync PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(hotreload_flag_sync PUBLIC hotreload::hotreload PRIVATE hotreload_flagd_sync_proto)
hotreload_set_warnings(hotreload_flag_sync)
