//===- Parser.h - parser of the tile language -------------------*- C++ -*-===//
//
// A recursive-descent parser for the Python subset that `.tl` files use. On a
// syntax error it reports, skips to the next statement and goes on, so one
// run shows several errors.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_PARSER_H
#define TILEC_FRONTEND_PARSER_H

#include "frontend/AST.h"
#include "frontend/Lexer.h"

namespace tilec::frontend {

/// Parses the buffer `bufferId` of `source`. Returns the module even when
/// errors were reported (check `source.getNumErrors()`).
std::unique_ptr<ModuleAST> parseModule(SourceContext &source, unsigned bufferId);

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_PARSER_H
