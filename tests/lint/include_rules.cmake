# The include rules of the tree, checked by ctest (tests/lint/CMakeLists.txt):
#
# 1. actors/protocol is the floor. Of the project's headers, a file in it
#    includes only its own folder and header-only value types of config/
#    whose own includes are standard headers alone, so that the protocol
#    compiles none of the parts it carries messages between and
#    `bistro_protocol` links nothing but CAF.
# 2. Plain logic has no CAF include. PLAIN_FILES (written by CMake: the
#    sources of every project library that does not link CAF, with their
#    headers) and every project header they reach must not include <caf/...>.
#
# Usage: cmake -DSOURCE_DIR=<root> [-DPLAIN_FILES_LIST=<file>] -P this file.
# Prints every violation with the file and the include, and fails if any.
cmake_minimum_required(VERSION 3.25)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "include_rules: SOURCE_DIR is not set")
endif()

set(violations "")

# The #include lines of `path`, as "<x>" or "\"x\"" entries.
function(read_includes path out)
  file(STRINGS "${path}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  set(result "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*([<\"][^>\"]*[>\"]).*$"
                         "\\1" inc "${line}")
    list(APPEND result "${inc}")
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# --- Rule 1: the protocol folder --------------------------------------------
file(GLOB protocol_files "${SOURCE_DIR}/actors/protocol/*.hpp"
                         "${SOURCE_DIR}/actors/protocol/*.cpp")
if(NOT protocol_files)
  list(APPEND violations "no files found in ${SOURCE_DIR}/actors/protocol")
endif()
foreach(path IN LISTS protocol_files)
  file(RELATIVE_PATH rel "${SOURCE_DIR}" "${path}")
  read_includes("${path}" includes)
  foreach(inc IN LISTS includes)
    if(inc MATCHES "^<")
      continue()  # not the project's: what links it is CMake's to say
    endif()
    if(inc MATCHES "^\"actors/protocol/")
      continue()
    endif()
    if(inc MATCHES "^\"(config/[^\"]*)\"$")
      set(config_header "${CMAKE_MATCH_1}")
      if(NOT EXISTS "${SOURCE_DIR}/${config_header}")
        list(APPEND violations "${rel}: includes ${inc}, which is missing")
        continue()
      endif()
      read_includes("${SOURCE_DIR}/${config_header}" config_includes)
      foreach(ci IN LISTS config_includes)
        if(NOT ci MATCHES "^<[^/]*>$")
          string(CONCAT v "${rel}: includes ${inc}, which includes ${ci}: "
                 "the protocol may include only config/ headers made of "
                 "standard headers")
          list(APPEND violations "${v}")
        endif()
      endforeach()
      continue()
    endif()
    string(CONCAT v "${rel}: includes ${inc}: actors/protocol may include "
           "only itself and header-only config/ value types of the project")
    list(APPEND violations "${v}")
  endforeach()
endforeach()

# --- Rule 2: plain logic has no CAF include ---------------------------------
if(PLAIN_FILES_LIST)
  file(STRINGS "${PLAIN_FILES_LIST}" pending)
  if(NOT pending)
    list(APPEND violations "${PLAIN_FILES_LIST} lists no plain-logic files")
  endif()
  set(seen "")
  while(pending)
    list(POP_FRONT pending rel)
    if(rel IN_LIST seen)
      continue()
    endif()
    list(APPEND seen "${rel}")
    read_includes("${SOURCE_DIR}/${rel}" includes)
    foreach(inc IN LISTS includes)
      if(inc MATCHES "^<caf/")
        string(CONCAT v "${rel}: includes ${inc}, but it is plain logic (its "
               "library does not link CAF, or a plain-logic file includes it)")
        list(APPEND violations "${v}")
      elseif(inc MATCHES "^\"([^\"]*)\"$")
        set(target_rel "${CMAKE_MATCH_1}")
        if(EXISTS "${SOURCE_DIR}/${target_rel}")
          list(APPEND pending "${target_rel}")
        endif()
      endif()
    endforeach()
  endwhile()
  list(LENGTH seen checked)
  message(STATUS "include_rules: ${checked} plain-logic files checked")
endif()

if(violations)
  list(LENGTH violations count)
  foreach(v IN LISTS violations)
    message("include rule broken: ${v}")
  endforeach()
  message(FATAL_ERROR "include_rules: ${count} include rule(s) broken")
endif()
message(STATUS "include_rules: every include rule holds")
