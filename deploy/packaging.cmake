# What `cmake --install` and the .deb put where (GNUInstallDirs):
#   bin/sluiced, bin/sluicectl                     (daemon/CMakeLists.txt)
#   lib/systemd/system/sluiced.service             its paths rewritten for the prefix
#   SYSCONFDIR/sluice/sluice.yaml, pipelines.d/    the example daemon file (/etc for /usr)
#   share/sluice/sql/, share/doc/sluice/           migrations and queries, docs and examples
# A distribution package is configured with -DCMAKE_INSTALL_PREFIX=/usr, then `cpack -G DEB`.

file(READ ${CMAKE_CURRENT_LIST_DIR}/systemd/sluiced.service SLUICE_UNIT)
string(REPLACE "/usr/bin/" "${CMAKE_INSTALL_FULL_BINDIR}/" SLUICE_UNIT "${SLUICE_UNIT}")
string(REPLACE "/etc/sluice/" "${CMAKE_INSTALL_FULL_SYSCONFDIR}/sluice/" SLUICE_UNIT "${SLUICE_UNIT}")
string(REPLACE "/usr/share/doc/sluice/" "${CMAKE_INSTALL_FULL_DOCDIR}/" SLUICE_UNIT "${SLUICE_UNIT}")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/deploy/sluiced.service CONTENT "${SLUICE_UNIT}")
install(FILES ${PROJECT_BINARY_DIR}/deploy/sluiced.service DESTINATION lib/systemd/system)

install(FILES ${PROJECT_SOURCE_DIR}/config/examples/sluice.yaml
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/sluice)
install(DIRECTORY DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/sluice/pipelines.d)

set(CPACK_PACKAGE_NAME sluice)
set(CPACK_PACKAGE_VENDOR "sluice")
set(CPACK_PACKAGE_CONTACT "sluice maintainers <sluice@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Batch orchestrator daemon for time-window data pipelines")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libpqxx-6.4, libpq5, libyaml-cpp0.7, libspdlog1.10, libfmt9, libsystemd0, libzstd1, libcurl4, libmariadb3, libssl3, libprometheus-cpp-core1.0, libre2-9, tzdata")
# An operator's edits of the daemon file survive upgrades.
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/deploy/conffiles
     CONTENT "${CMAKE_INSTALL_FULL_SYSCONFDIR}/sluice/sluice.yaml\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_BINARY_DIR}/deploy/conffiles")
include(CPack)
