# Writes a C++ source whose one function returns the bytes of a text file, so the daemon can
# serve that file without reading it at run time (docs/openapi.json for GET /api/v1/openapi.json).
# A build step, run by add_custom_command whenever the file changes:
#
#   cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DHEADER=<header declaring it>
#         -DNAMESPACE=<ns> -DFUNCTION=<name> -P embed_text.cmake
#
# The function is `std::string_view FUNCTION()` in NAMESPACE, declared in HEADER.
foreach(var INPUT OUTPUT HEADER NAMESPACE FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_text.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" content)
# A raw string literal ends at )delimiter": a file holding that sequence would end it early.
set(delimiter "venom_embed")
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "embed_text.cmake: ${INPUT} contains )${delimiter}\" and cannot be embedded")
endif()

# The file's name only: an absolute path would differ between checkouts and defeat ccache.
get_filename_component(input_name "${INPUT}" NAME)
file(WRITE "${OUTPUT}"
  "// Generated from ${input_name} by cmake/embed_text.cmake at build time; do not edit or commit.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "std::string_view ${FUNCTION}() {\n"
  "    static constexpr char kText[] = R\"${delimiter}(${content})${delimiter}\";\n"
  "    return {kText, sizeof(kText) - 1};\n"
  "}\n\n"
  "}  // namespace ${NAMESPACE}\n")
