# Install the library, headers, a CMake config package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS hotreload EXPORT hotreloadTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(HOTRELOAD_GRPC)
  install(TARGETS hotreload_flag_sync hotreload_flagd_sync_proto EXPORT hotreloadTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/hotreload DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
else()
  # Without the library, its header would only mislead.
  install(DIRECTORY include/hotreload DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} PATTERN flag_sync.hpp EXCLUDE)
endif()
install(EXPORT hotreloadTargets NAMESPACE hotreload:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hotreload)

configure_package_config_file(cmake/hotreloadConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hotreloadConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hotreload)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hotreloadConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hotreloadConfig.cmake ${PROJECT_BINARY_DIR}/hotreloadConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hotreload)

configure_file(cmake/hotreload.pc.in ${PROJECT_BINARY_DIR}/hotreload.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hotreload.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(HOTRELOAD_TOOLS)
  install(TARGETS hotreload-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
