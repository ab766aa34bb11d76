//===- Lexer.cpp - tokens of the tile language ----------------------------===//

#include "frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"

#include "llvm/ADT/StringSwitch.h"

#include <cctype>

using namespace tilec::frontend;

const char *tilec::frontend::tokenKindName(TokenKind kind) {
  switch (kind) {
  case TokenKind::Eof: return "end of file";
  case TokenKind::Error: return "invalid token";
  case TokenKind::Newline: return "end of line";
  case TokenKind::Indent: return "an indented block";
  case TokenKind::Dedent: return "end of block";
  case TokenKind::Identifier: return "a name";
  case TokenKind::Integer: return "an integer";
  case TokenKind::Float: return "a number";
  case TokenKind::String: return "a string";
  case TokenKind::LParen: return "'('";
  case TokenKind::RParen: return "')'";
  case TokenKind::LBracket: return "'['";
  case TokenKind::RBracket: return "']'";
  case TokenKind::LBrace: return "'{'";
  case TokenKind::RBrace: return "'}'";
  case TokenKind::Comma: return "','";
  case TokenKind::Colon: return "':'";
  case TokenKind::Dot: return "'.'";
  case TokenKind::Assign: return "'='";
  case TokenKind::KwIn: return "'in'";
  case TokenKind::KwImport: return "'import'";
  default: return "a token";
  }
}

Lexer::Lexer(SourceContext &source, unsigned bufferId)
    : source(source),
      buffer(source.getSourceMgr().getMemoryBuffer(bufferId)->getBuffer()),
      cur(buffer.begin()) {}

void Lexer::lexError(const char *where, const llvm::Twine &message) {
  source.emitError(llvm::SMLoc::getFromPointer(where)) << message;
}

void Lexer::emitToken(TokenKind kind, const char *start, const char *end) {
  Token token;
  token.kind = kind;
  token.spelling = llvm::StringRef(start, end - start);
  tokens.push_back(std::move(token));
}

std::vector<Token> Lexer::tokenize() {
  const char *end = buffer.end();
  while (cur < end)
    lexLine();
  // Close the last logical line and every open block.
  if (!tokens.empty() && !tokens.back().is(TokenKind::Newline))
    emitToken(TokenKind::Newline, end, end);
  while (indentStack.size() > 1) {
    indentStack.pop_back();
    emitToken(TokenKind::Dedent, end, end);
  }
  emitToken(TokenKind::Eof, end, end);
  return std::move(tokens);
}

/// Lexes one physical line (plus any continuation lines inside brackets).
void Lexer::lexLine() {
  const char *end = buffer.end();
  // Measure indentation; blank and comment-only lines do not count.
  unsigned width = 0;
  while (cur < end && (*cur == ' ' || *cur == '\t')) {
    width = *cur == '\t' ? (width / 8 + 1) * 8 : width + 1;
    ++cur;
  }
  if (cur >= end)
    return;
  if (*cur == '#' || *cur == '\n' || *cur == '\r') {
    while (cur < end && *cur != '\n')
      ++cur;
    if (cur < end)
      ++cur;
    return;
  }
  if (bracketDepth == 0) {
    if (width > indentStack.back()) {
      indentStack.push_back(width);
      emitToken(TokenKind::Indent, cur, cur);
    } else {
      while (width < indentStack.back()) {
        indentStack.pop_back();
        emitToken(TokenKind::Dedent, cur, cur);
      }
      // The line is taken to continue the enclosing block; the stack keeps
      // its levels so that later lines still balance.
      if (width != indentStack.back())
        lexError(cur, "unindent does not match any outer indentation level");
    }
  }

  while (cur < end) {
    const char *start = cur;
    char c = *cur;
    if (c == ' ' || c == '\t' || c == '\r') {
      ++cur;
      continue;
    }
    if (c == '#') {
      while (cur < end && *cur != '\n')
        ++cur;
      continue;
    }
    if (c == '\\' && cur + 1 < end && cur[1] == '\n') {
      cur += 2; // explicit line joining
      continue;
    }
    if (c == '\n') {
      ++cur;
      if (bracketDepth > 0)
        continue; // implicit line joining
      emitToken(TokenKind::Newline, start, start);
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (cur < end && (std::isalnum(static_cast<unsigned char>(*cur)) ||
                           *cur == '_'))
        ++cur;
      llvm::StringRef word(start, cur - start);
      // String prefixes r"..", b"..": plain strings; f"..": a string whose
      // spelling starts with f (the parser marks it formatted).
      if ((word == "r" || word == "b" || word == "f" || word == "F") && cur < end &&
          (*cur == '"' || *cur == '\'')) {
        lexString(cur);
        tokens.back().spelling = llvm::StringRef(start, cur - start);
        continue;
      }
      TokenKind kind = llvm::StringSwitch<TokenKind>(word)
                           .Case("def", TokenKind::KwDef)
                           .Case("if", TokenKind::KwIf)
                           .Case("elif", TokenKind::KwElif)
                           .Case("else", TokenKind::KwElse)
                           .Case("for", TokenKind::KwFor)
                           .Case("in", TokenKind::KwIn)
                           .Case("while", TokenKind::KwWhile)
                           .Case("with", TokenKind::KwWith)
                           .Case("as", TokenKind::KwAs)
                           .Case("return", TokenKind::KwReturn)
                           .Case("break", TokenKind::KwBreak)
                           .Case("continue", TokenKind::KwContinue)
                           .Case("pass", TokenKind::KwPass)
                           .Case("assert", TokenKind::KwAssert)
                           .Case("raise", TokenKind::KwRaise)
                           .Case("and", TokenKind::KwAnd)
                           .Case("or", TokenKind::KwOr)
                           .Case("not", TokenKind::KwNot)
                           .Case("True", TokenKind::KwTrue)
                           .Case("False", TokenKind::KwFalse)
                           .Case("None", TokenKind::KwNone)
                           .Case("import", TokenKind::KwImport)
                           .Case("from", TokenKind::KwFrom)
                           .Case("is", TokenKind::KwIs)
                           .Case("lambda", TokenKind::KwLambda)
                           .Default(TokenKind::Identifier);
      emitToken(kind, start, cur);
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && cur + 1 < end &&
         std::isdigit(static_cast<unsigned char>(cur[1])))) {
      lexNumber(start);
      continue;
    }
    if (c == '"' || c == '\'') {
      lexString(start);
      continue;
    }

    auto next = [&](size_t offset) -> char {
      return cur + offset < end ? cur[offset] : '\0';
    };
    // Three-, two- and one-character operators, longest first.
    struct Op {
      const char *text;
      TokenKind kind;
    };
    static const Op ops[] = {
        {"**=", TokenKind::DoubleStarAssign},
        {"//=", TokenKind::DoubleSlashAssign},
        {"<<=", TokenKind::LeftShiftAssign},
        {">>=", TokenKind::RightShiftAssign},
        {"->", TokenKind::Arrow},
        {"**", TokenKind::DoubleStar},
        {"//", TokenKind::DoubleSlash},
        {"<<", TokenKind::LeftShift},
        {">>", TokenKind::RightShift},
        {"<=", TokenKind::LessEqual},
        {">=", TokenKind::GreaterEqual},
        {"==", TokenKind::EqualEqual},
        {"!=", TokenKind::NotEqual},
        {"+=", TokenKind::PlusAssign},
        {"-=", TokenKind::MinusAssign},
        {"*=", TokenKind::StarAssign},
        {"/=", TokenKind::SlashAssign},
        {"%=", TokenKind::PercentAssign},
        {"&=", TokenKind::AmpAssign},
        {"|=", TokenKind::PipeAssign},
        {"^=", TokenKind::CaretAssign},
        {"(", TokenKind::LParen},
        {")", TokenKind::RParen},
        {"[", TokenKind::LBracket},
        {"]", TokenKind::RBracket},
        {"{", TokenKind::LBrace},
        {"}", TokenKind::RBrace},
        {",", TokenKind::Comma},
        {":", TokenKind::Colon},
        {".", TokenKind::Dot},
        {";", TokenKind::Semicolon},
        {"@", TokenKind::At},
        {"=", TokenKind::Assign},
        {"+", TokenKind::Plus},
        {"-", TokenKind::Minus},
        {"*", TokenKind::Star},
        {"/", TokenKind::Slash},
        {"%", TokenKind::Percent},
        {"~", TokenKind::Tilde},
        {"&", TokenKind::Amp},
        {"|", TokenKind::Pipe},
        {"^", TokenKind::Caret},
        {"<", TokenKind::Less},
        {">", TokenKind::Greater},
    };
    bool matched = false;
    for (const Op &op : ops) {
      size_t length = std::char_traits<char>::length(op.text);
      bool equal = true;
      for (size_t i = 0; i < length; ++i)
        if (next(i) != op.text[i]) {
          equal = false;
          break;
        }
      if (!equal)
        continue;
      cur += length;
      emitToken(op.kind, start, cur);
      if (op.kind == TokenKind::LParen || op.kind == TokenKind::LBracket ||
          op.kind == TokenKind::LBrace) {
        if (bracketDepth++ == 0)
          openBracket = start;
      }
      else if ((op.kind == TokenKind::RParen ||
                op.kind == TokenKind::RBracket ||
                op.kind == TokenKind::RBrace) &&
               bracketDepth > 0)
        --bracketDepth;
      matched = true;
      break;
    }
    if (matched)
      continue;
    if (static_cast<unsigned char>(c) >= 0x80) {
      // One message per character (not per byte), printable whatever the
      // bytes are: the code point of valid UTF-8, else the bytes in hex
      // (a run of invalid bytes is one error).
      const char *end = buffer.end();
      const char *next = cur;
      llvm::UTF32 codePoint;
      const llvm::UTF8 *first = reinterpret_cast<const llvm::UTF8 *>(cur);
      unsigned length = llvm::getNumBytesForUTF8(*first);
      if (length <= static_cast<unsigned>(end - cur) &&
          llvm::isLegalUTF8Sequence(first, first + length)) {
        const llvm::UTF8 *from = first;
        llvm::UTF32 *to = &codePoint;
        llvm::ConvertUTF8toUTF32(&from, from + length, &to, to + 1, llvm::strictConversion);
        next = cur + length;
        lexError(start, "unexpected character U+" +
                            llvm::utohexstr(codePoint, /*LowerCase=*/false, /*Width=*/4) +
                            " outside a string or comment");
      } else {
        std::string bytes;
        while (next < end && static_cast<unsigned char>(*next) >= 0x80 &&
               !llvm::isLegalUTF8Sequence(
                   reinterpret_cast<const llvm::UTF8 *>(next),
                   reinterpret_cast<const llvm::UTF8 *>(next) +
                       std::min<size_t>(llvm::getNumBytesForUTF8(*next), end - next))) {
          bytes += (bytes.empty() ? "0x" : " 0x") +
                   llvm::utohexstr(static_cast<unsigned char>(*next), false, 2);
          ++next;
        }
        lexError(start, "invalid UTF-8 (bytes " + bytes + "): source files are UTF-8");
      }
      cur = next;
      emitToken(TokenKind::Error, start, cur);
      continue;
    }
    if (std::isprint(c))
      lexError(start, llvm::Twine("unexpected character '") +
                          llvm::Twine(c) + "'");
    else
      lexError(start, "unexpected control character in source");
    ++cur;
    emitToken(TokenKind::Error, start, cur);
  }
  if (bracketDepth > 0) {
    lexError(openBracket, "'" + llvm::StringRef(openBracket, 1) + "' was never closed");
    // The parser stays silent on an Error token: no second message.
    emitToken(TokenKind::Error, cur, cur);
  }
  bracketDepth = 0;
}

bool Lexer::lexNumber(const char *start) {
  const char *end = buffer.end();
  bool isFloat = false;
  if (*cur == '0' && cur + 1 < end && (cur[1] == 'x' || cur[1] == 'X')) {
    cur += 2;
    while (cur < end && (std::isxdigit(static_cast<unsigned char>(*cur)) ||
                         *cur == '_'))
      ++cur;
  } else if (*cur == '0' && cur + 1 < end &&
             (cur[1] == 'b' || cur[1] == 'B' || cur[1] == 'o' || cur[1] == 'O')) {
    // 0b0100, 0o17: binary and octal (digits past the base are the
    // parser's error).
    cur += 2;
    while (cur < end && (std::isdigit(static_cast<unsigned char>(*cur)) || *cur == '_'))
      ++cur;
  } else {
    while (cur < end &&
           (std::isdigit(static_cast<unsigned char>(*cur)) || *cur == '_'))
      ++cur;
    if (cur < end && *cur == '.') {
      isFloat = true;
      ++cur;
      while (cur < end && std::isdigit(static_cast<unsigned char>(*cur)))
        ++cur;
    }
    if (cur < end && (*cur == 'e' || *cur == 'E')) {
      const char *exponent = cur + 1;
      if (exponent < end && (*exponent == '+' || *exponent == '-'))
        ++exponent;
      if (exponent < end && std::isdigit(static_cast<unsigned char>(*exponent))) {
        isFloat = true;
        cur = exponent;
        while (cur < end && std::isdigit(static_cast<unsigned char>(*cur)))
          ++cur;
      }
    }
  }
  if (cur < end && (std::isalpha(static_cast<unsigned char>(*cur)) || *cur == '_')) {
    while (cur < end && (std::isalnum(static_cast<unsigned char>(*cur)) || *cur == '_'))
      ++cur;
    lexError(start, "invalid number literal '" +
                        llvm::StringRef(start, cur - start) + "'");
    emitToken(TokenKind::Error, start, cur);
    return false;
  }
  emitToken(isFloat ? TokenKind::Float : TokenKind::Integer, start, cur);
  return true;
}

bool Lexer::lexString(const char *start) {
  const char *end = buffer.end();
  char quote = *cur;
  bool triple = cur + 2 < end && cur[1] == quote && cur[2] == quote;
  cur += triple ? 3 : 1;
  std::string value;
  while (true) {
    if (cur >= end || (!triple && *cur == '\n')) {
      lexError(start, "unterminated string literal");
      emitToken(TokenKind::Error, start, cur);
      return false;
    }
    if (*cur == quote) {
      if (!triple) {
        ++cur;
        break;
      }
      if (cur + 2 < end && cur[1] == quote && cur[2] == quote) {
        cur += 3;
        break;
      }
    }
    if (*cur == '\\' && cur + 1 < end) {
      char escaped = cur[1];
      cur += 2;
      switch (escaped) {
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      case '\\': value += '\\'; break;
      case '\'': value += '\''; break;
      case '"': value += '"'; break;
      case '\n': break;
      default: value += '\\'; value += escaped; break;
      }
      continue;
    }
    value += *cur++;
  }
  emitToken(TokenKind::String, start, cur);
  tokens.back().stringValue = std::move(value);
  return true;
}
