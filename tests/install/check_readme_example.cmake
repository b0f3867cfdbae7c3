# Fails when README.md's pre-send validation example is not tests/install/consumer/main.cpp, the
# program the install test builds against the installed package and runs.
# Usage: cmake -DREADME=... -DEXAMPLE=... -DEXTRACTED=<file to write the README's copy to> -P ...
set(begin "<!-- BEGIN tests/install/consumer/main.cpp -->\n```cpp\n")
set(end "```\n<!-- END tests/install/consumer/main.cpp -->")
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)

string(FIND "${readme}" "${begin}" first)
if(first EQUAL -1)
  message(FATAL_ERROR "${README}: no line \"<!-- BEGIN tests/install/consumer/main.cpp -->\" followed by \"```cpp\"")
endif()
string(LENGTH "${begin}" length)
math(EXPR first "${first} + ${length}")
string(SUBSTRING "${readme}" ${first} -1 rest)
string(FIND "${rest}" "${end}" length)
if(length EQUAL -1)
  message(FATAL_ERROR "${README}: the example's \"```\" and \"<!-- END tests/install/consumer/main.cpp -->\" lines are missing")
endif()
string(SUBSTRING "${rest}" 0 ${length} copy)

if(NOT copy STREQUAL example)
  file(WRITE "${EXTRACTED}" "${copy}")
  message(FATAL_ERROR "${README}: the pre-send example differs from ${EXAMPLE}; see\n"
                      "  diff -u ${EXAMPLE} ${EXTRACTED}")
endif()
