# SPDX-License-Identifier: MIT
# The Debian package: `cpack -G DEB` in the build directory (ci/package.sh builds it, runs lintian,
# installs it, runs the suite from /usr/bin and removes it again). Besides the program and its
# fixtures, a package Debian would accept carries a machine-readable copyright file, a changelog,
# an extended description, a man page and stripped binaries; this file provides them.
#
# Debug symbols are dropped: CPACK_STRIP_FILES strips the binary as it is staged (63 MB with
# RelWithDebInfo, 2.7 MB stripped); the build tree keeps the unstripped one. CPack can split them
# into a -dbgsym package instead (CPACK_DEBIAN_DEBUGINFO_PACKAGE), but with CMake 3.25 (Debian 12)
# that .ddeb is broken: its md5sums names the file by its absolute path in the build directory,
# and it has no copyright file or changelog (lintian: md5sums-lists-nonexistent-file,
# file-missing-in-md5sums, no-copyright-file, no-changelog).

set(MVC_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(MVC_PACKAGING_OUT ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${MVC_PACKAGING_OUT})

# The changelog's newest entry names the version being packaged; a release that forgets to add an
# entry is stopped here rather than shipped with a changelog that describes another version.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${MVC_PACKAGING_DIR}/changelog)
file(STRINGS ${MVC_PACKAGING_DIR}/changelog _mvc_changelog_top LIMIT_COUNT 1)
if(NOT _mvc_changelog_top MATCHES "^macvlan-conformance \\(([^)]+)\\) ")
  message(FATAL_ERROR "packaging/changelog: the first line is not 'macvlan-conformance (VERSION) ...'")
elseif(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "packaging/changelog: the newest entry is ${CMAKE_MATCH_1}, the project is ${PROJECT_VERSION}; "
                      "add an entry for ${PROJECT_VERSION}")
endif()

# Debian wants the changelog compressed with gzip -9; -n leaves out the name and time, so the
# same changelog always gives the same bytes.
add_custom_command(OUTPUT ${MVC_PACKAGING_OUT}/changelog.gz
  COMMAND sh -c "gzip -9n -c \"$1\" >\"$2\"" sh ${MVC_PACKAGING_DIR}/changelog ${MVC_PACKAGING_OUT}/changelog.gz
  DEPENDS ${MVC_PACKAGING_DIR}/changelog
  VERBATIM)
set(_mvc_package_docs ${MVC_PACKAGING_OUT}/changelog.gz)

# macvlan-conformance(1), generated from the built binary's --help (ci/install-deps.sh --package
# brings help2man). Without help2man the build goes on without a man page, and the man page test
# reports itself skipped.
find_program(MVC_HELP2MAN help2man)
set(_mvc_manpage ${MVC_PACKAGING_OUT}/macvlan-conformance.1.gz)
if(MVC_HELP2MAN)
  add_custom_command(OUTPUT ${_mvc_manpage}
    COMMAND ${CMAKE_COMMAND} -E env HELP2MAN=${MVC_HELP2MAN}
            ${MVC_PACKAGING_DIR}/make-manpage.sh $<TARGET_FILE:macvlan-conformance> ${PROJECT_VERSION}
            ${MVC_PACKAGING_DIR}/changelog ${MVC_PACKAGING_DIR}/manpage.h2m ${_mvc_manpage}
    DEPENDS macvlan-conformance ${MVC_PACKAGING_DIR}/make-manpage.sh ${MVC_PACKAGING_DIR}/changelog
            ${MVC_PACKAGING_DIR}/manpage.h2m
    VERBATIM)
  list(APPEND _mvc_package_docs ${_mvc_manpage})
  install(FILES ${_mvc_manpage} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page is built (ci/install-deps.sh --package installs it)")
endif()
add_custom_target(mvc_package_docs ALL DEPENDS ${_mvc_package_docs})

install(FILES ${MVC_PACKAGING_DIR}/copyright ${MVC_PACKAGING_OUT}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${MVC_PACKAGING_DIR}/macvlan-conformance.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME macvlan-conformance)

if(BUILD_TESTING)
  if(MVC_HELP2MAN)
    add_test(NAME packaging.manpage_matches_help
             COMMAND ${MVC_PACKAGING_DIR}/check-manpage.sh ${_mvc_manpage} $<TARGET_FILE:macvlan-conformance>)
  else()
    add_test(NAME packaging.manpage_matches_help
             COMMAND sh -c "echo 'no man page: help2man was not found at configure time'; exit 4")
  endif()
  add_test(NAME packaging.bash_completion_follows_help
           COMMAND ${MVC_PACKAGING_DIR}/test-completion.sh $<TARGET_FILE:macvlan-conformance>
                   ${MVC_PACKAGING_DIR}/macvlan-conformance.bash)
  set_tests_properties(packaging.manpage_matches_help packaging.bash_completion_follows_help
                       PROPERTIES LABELS unit SKIP_RETURN_CODE 4)
endif()

# Shared-library dependencies are worked out by dpkg-shlibdeps, so the package asks for exactly the
# libnl/tinyxml2/pcap it was linked with.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME macvlan-conformance)
set(CPACK_PACKAGE_CONTACT "macvlan-conformance maintainers <maintainers@users.noreply.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Conformance suite and test harness for Linux macvlan")
# The extended description (lintian: extended-description-is-empty without it). Read here rather
# than named with CPACK_PACKAGE_DESCRIPTION_FILE, which CPack 3.25 hands on XML-escaped (' as &apos;).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${MVC_PACKAGING_DIR}/description)
file(READ ${MVC_PACKAGING_DIR}/description CPACK_DEBIAN_PACKAGE_DESCRIPTION)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# --remote starts ssh; the Docker suite drives a docker engine. Both skip without them.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-client, docker.io")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
include(CPack)
