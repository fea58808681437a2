/*
 * expr/bi_xml.c -- xml(), xpath() and json(<xml>) with libxml2
 *
 * ADF has no XML value kind here: xml() returns XML text (a string), and
 * xpath() and json() accept XML text.  JSON <-> XML follows Json.NET
 * (DeserializeXmlNode / SerializeXmlNode), which is what the service
 * uses: "@x" is an attribute, "#text" text, repeated elements an array.
 * libxml2 is used with the network and external entities off.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "expr/bi_impl.h"
#include "expr/json.h"

/* ---- JSON -> XML (Json.NET DeserializeXmlNode) ----------------------- */

static void put_escaped(StrBuf *sb, const char *s, size_t n, bool attr)
{
  size_t i;

  for (i = 0; i < n; i++) {
    switch (s[i]) {
    case '&':
      sb_puts(sb, "&amp;");
      break;
    case '<':
      sb_puts(sb, "&lt;");
      break;
    case '>':
      sb_puts(sb, "&gt;");
      break;
    case '"':
      sb_puts(sb, attr ? "&quot;" : "\"");
      break;
    default:
      sb_putc(sb, s[i]);
    }
  }
}

/* Text of a scalar the way Json.NET writes it into XML: booleans in
 * lower case, numbers as in JSON, strings as they are. */
static void scalar_text(StrBuf *sb, const Value *v, bool attr)
{
  StrBuf t;

  if (val_kind(v) == VAL_BOOL) {
    sb_puts(sb, val_get_bool(v) ? "true" : "false");
    return;
  }
  sb_init(&t);
  val_to_adf_string(v, &t);
  put_escaped(sb, t.s, t.len, attr);
  sb_fini(&t);
}

static bool is_scalar(const Value *v)
{
  ValKind k = val_kind(v);

  return k != VAL_ARRAY && k != VAL_OBJECT;
}

static bool element(StrBuf *sb, const char *name, const Value *v, EvalCtx *cx,
                    Err *err, int depth);

/* The content of an element from an object: attributes first ("@x"),
 * then text ("#text"), CDATA and child elements in order. */
static bool object_content(StrBuf *sb, const char *name, const Value *obj,
                           EvalCtx *cx, Err *err, int depth)
{
  size_t i, n = val_object_len(obj), klen;
  bool has_content = false;

  sb_putc(sb, '<');
  sb_puts(sb, name);
  for (i = 0; i < n; i++) {
    const char *k = val_object_key_peek(obj, i, &klen);
    const Value *x = val_object_value_peek(obj, i);
    if (k[0] != '@')
      continue;
    if (!is_scalar(x)) {
      bi_fail(cx, err,
              "The function 'xml' cannot convert the attribute '%s': an "
              "attribute value must be a string, a number or a boolean",
              k);
      return false;
    }
    sb_printf(sb, " %s=\"", k + 1);
    scalar_text(sb, x, true);
    sb_putc(sb, '"');
  }
  for (i = 0; i < n; i++) {
    const char *k = val_object_key_peek(obj, i, &klen);
    if (k[0] != '@')
      has_content = true;
  }
  if (!has_content) {
    sb_puts(sb, " />");
    return true;
  }
  sb_putc(sb, '>');
  for (i = 0; i < n; i++) {
    const char *k = val_object_key_peek(obj, i, &klen);
    const Value *x = val_object_value_peek(obj, i);
    if (k[0] == '@')
      continue;
    if (strcmp(k, "#text") == 0) {
      if (val_kind(x) != VAL_NULL)
        scalar_text(sb, x, false);
    } else if (strcmp(k, "#cdata-section") == 0) {
      StrBuf t;
      sb_init(&t);
      val_to_adf_string(x, &t);
      sb_puts(sb, "<![CDATA[");
      sb_put(sb, t.s, t.len);
      sb_puts(sb, "]]>");
      sb_fini(&t);
    } else if (!element(sb, k, x, cx, err, depth + 1)) {
      return false;
    }
  }
  sb_printf(sb, "</%s>", name);
  return true;
}

/* One property as XML: an array repeats the element per item. */
static bool element(StrBuf *sb, const char *name, const Value *v, EvalCtx *cx,
                    Err *err, int depth)
{
  size_t i;

  if (depth > 200) {
    bi_fail(cx, err, "The function 'xml' input is nested too deeply");
    return false;
  }
  if (!name[0] || strchr("#@?$0123456789-.", name[0]) || strchr(name, ' ')) {
    bi_fail(cx, err,
            "The function 'xml' cannot convert the property '%s': it is "
            "not a valid XML element name",
            name);
    return false;
  }
  switch (val_kind(v)) {
  case VAL_NULL:
    sb_printf(sb, "<%s />", name);
    return true;
  case VAL_ARRAY:
    for (i = 0; i < val_array_len(v); i++)
      if (!element(sb, name, val_array_peek(v, i), cx, err, depth + 1))
        return false;
    return true;
  case VAL_OBJECT:
    return object_content(sb, name, v, cx, err, depth);
  default:
    sb_printf(sb, "<%s>", name);
    scalar_text(sb, v, false);
    sb_printf(sb, "</%s>", name);
    return true;
  }
}

/* The whole document: one root property (plus an optional "?xml"). */
static Value *json_to_xml(EvalCtx *cx, const Value *obj, Err *err)
{
  const char *root = NULL;
  const Value *rv = NULL, *decl;
  size_t i, n = val_object_len(obj), klen;
  StrBuf sb;
  Value *r = NULL;

  for (i = 0; i < n; i++) {
    const char *k = val_object_key_peek(obj, i, &klen);
    if (strcmp(k, "?xml") == 0)
      continue;
    if (root)
      return bi_fail(cx, err,
                     "The function 'xml' expects a JSON object with a single "
                     "root property; the root object has multiple "
                     "properties");
    root = k, rv = val_object_value_peek(obj, i);
  }
  if (!root || val_kind(rv) == VAL_ARRAY)
    return bi_fail(cx, err,
                   "The function 'xml' expects a JSON object with a single "
                   "root property that is not an array");
  sb_init(&sb);
  decl = val_object_peek(obj, "?xml");
  if (decl && val_kind(decl) == VAL_OBJECT) {
    const char *attrs[] = {"@version", "@encoding", "@standalone"};
    sb_puts(&sb, "<?xml");
    for (i = 0; i < 3; i++) {
      const Value *a = val_object_peek(decl, attrs[i]);
      if (a && is_scalar(a)) {
        sb_printf(&sb, " %s=\"", attrs[i] + 1);
        scalar_text(&sb, a, true);
        sb_putc(&sb, '"');
      }
    }
    sb_puts(&sb, "?>");
  }
  if (element(&sb, root, rv, cx, err, 0))
    r = val_string_from_sb(&sb);
  sb_fini(&sb);
  return r;
}

/* ---- Parsing XML text --------------------------------------------------- */

static void silent(void *ud, xmlErrorPtr e)
{
  (void)ud, (void)e;
}

static xmlDocPtr parse_xml(EvalCtx *cx, const char *s, size_t n, Err *err)
{
  xmlDocPtr doc;
  xmlErrorPtr e;

  if (n > INT32_MAX) {
    bi_fail(cx, err, "The function '%s' input is too large", eval_fn_name(cx));
    return NULL;
  }
  xmlResetLastError();
  xmlSetStructuredErrorFunc(NULL, silent);
  doc =
      xmlReadMemory(s, (int)n, NULL, NULL,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlSetStructuredErrorFunc(NULL, NULL);
  if (!doc || !xmlDocGetRootElement(doc)) {
    /* libxml2's own wording changes between versions; the line does not */
    e = xmlGetLastError();
    if (doc)
      xmlFreeDoc(doc);
    bi_fail(cx, err,
            "The function '%s' parameter is not valid XML (error at line %d)",
            eval_fn_name(cx), e && e->line > 0 ? e->line : 1);
    return NULL;
  }
  return doc;
}

/* ---- XML -> JSON (Json.NET SerializeXmlNode) ----------------------------- */

static bool blank(const xmlChar *s)
{
  for (; s && *s; s++)
    if (!strchr(" \t\r\n", *s))
      return false;
  return true;
}

/* A node's qualified name, "prefix:local" when it has a prefix. */
static void qname(StrBuf *sb, const xmlNode *n)
{
  sb_reset(sb);
  if (n->ns && n->ns->prefix)
    sb_printf(sb, "%s:", (const char *)n->ns->prefix);
  sb_puts(sb, (const char *)n->name);
}

/* Adds value 'v' under 'key'; a second value under the same key turns it
 * into an array kept at the first one's position. */
static void add_member(Value *obj, const char *key, Value *v)
{
  const Value *old = val_object_peek(obj, key);
  Value *arr;

  if (!old) {
    val_object_set_take(obj, key, strlen(key), v);
    return;
  }
  /* The arrays made here are private to this conversion. */
  if (val_kind(old) == VAL_ARRAY) {
    arr = val_copy(old);
  } else {
    arr = val_array_new();
    val_array_push(arr, old);
  }
  val_array_push_take(arr, v);
  val_object_set_take(obj, key, strlen(key), arr);
}

static Value *node_value(const xmlNode *el);

static bool is_text(const xmlNode *c)
{
  return c->type == XML_TEXT_NODE || c->type == XML_ENTITY_REF_NODE;
}

/* Text of a text node, or the replacement text of an internal entity
 * reference (entities are never loaded from outside). */
static void append_text(StrBuf *sb, const xmlNode *c)
{
  xmlChar *t;

  if (c->type == XML_TEXT_NODE) {
    sb_puts(sb, (const char *)c->content);
    return;
  }
  t = xmlNodeGetContent(c);
  if (t)
    sb_puts(sb, (const char *)t);
  xmlFree(t);
}

static Value *element_object(const xmlNode *el)
{
  Value *obj = val_object_new();
  const xmlAttr *a;
  const xmlNs *ns;
  const xmlNode *c;
  StrBuf key;

  sb_init(&key);
  for (ns = el->nsDef; ns; ns = ns->next) {
    sb_reset(&key);
    sb_printf(&key, "@xmlns%s%s", ns->prefix ? ":" : "",
              ns->prefix ? (const char *)ns->prefix : "");
    val_object_set_take(obj, key.s, key.len, val_cstr((const char *)ns->href));
  }
  for (a = el->properties; a; a = a->next) {
    xmlChar *t = xmlNodeGetContent((const xmlNode *)a);
    sb_reset(&key);
    sb_putc(&key, '@');
    if (a->ns && a->ns->prefix)
      sb_printf(&key, "%s:", (const char *)a->ns->prefix);
    sb_puts(&key, (const char *)a->name);
    val_object_set_take(obj, key.s, key.len,
                        val_cstr(t ? (const char *)t : ""));
    xmlFree(t);
  }
  for (c = el->children; c; c = c->next) {
    if (is_text(c)) {
      /* a run of text and entity references is one "#text" value */
      StrBuf run;
      sb_init(&run);
      for (; c && is_text(c); c = c->next)
        append_text(&run, c);
      if (!blank((const xmlChar *)run.s))
        add_member(obj, "#text", val_string_from_sb(&run));
      sb_fini(&run);
      if (!c)
        break;
    }
    switch (c->type) {
    case XML_ELEMENT_NODE:
      qname(&key, c);
      add_member(obj, key.s, node_value(c));
      break;
    case XML_CDATA_SECTION_NODE:
      add_member(obj, "#cdata-section", val_cstr((const char *)c->content));
      break;
    case XML_COMMENT_NODE:
      add_member(obj, "#comment", val_cstr((const char *)c->content));
      break;
    default:
      break;
    }
  }
  sb_fini(&key);
  return obj;
}

/* An element: null when empty, its text when text (and entity
 * references) is all it has, else an object. */
static Value *node_value(const xmlNode *el)
{
  const xmlNode *c;
  StrBuf run;
  Value *v;

  if (el->properties || el->nsDef)
    return element_object(el);
  for (c = el->children; c; c = c->next)
    if (!is_text(c))
      return element_object(el);
  sb_init(&run);
  for (c = el->children; c; c = c->next)
    append_text(&run, c);
  v = blank((const xmlChar *)run.s) ? val_null() : val_string_from_sb(&run);
  sb_fini(&run);
  return v;
}

/* The declaration "<?xml ...?>" only when the text has one. */
static bool has_declaration(const char *s, size_t n)
{
  if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB)
    s += 3, n -= 3;
  return n >= 5 && strncmp(s, "<?xml", 5) == 0;
}

Value *bi_xml_to_json(EvalCtx *cx, const char *text, size_t len, Err *err)
{
  xmlDocPtr doc = parse_xml(cx, text, len, err);
  Value *r, *decl;
  xmlNodePtr root, c;
  StrBuf key;

  if (!doc)
    return NULL;
  r = val_object_new();
  if (has_declaration(text, len)) {
    decl = val_object_new();
    if (doc->version)
      val_object_set_take(decl, "@version", 8,
                          val_cstr((const char *)doc->version));
    if (doc->encoding)
      val_object_set_take(decl, "@encoding", 9,
                          val_cstr((const char *)doc->encoding));
    if (doc->standalone >= 0)
      val_object_set_take(decl, "@standalone", 11,
                          val_cstr(doc->standalone ? "yes" : "no"));
    val_object_set_take(r, "?xml", 4, decl);
  }
  root = xmlDocGetRootElement(doc);
  sb_init(&key);
  for (c = doc->children; c; c = c->next) {
    if (c == root) {
      qname(&key, root);
      add_member(r, key.s, node_value(root));
    } else if (c->type == XML_COMMENT_NODE) {
      add_member(r, "#comment", val_cstr((const char *)c->content));
    }
  }
  sb_fini(&key);
  xmlFreeDoc(doc);
  return r;
}

/* ---- xml() ------------------------------------------------------------- */

/* xml(value): XML text is checked and returned as it is; an object, or
 * a string holding a JSON object, is converted to XML text. */
BI_FN(bi_xml)
{
  const Value *v = argv[0];
  const char *s;
  size_t n;
  Value *r;

  (void)argc;
  if (val_kind(v) == VAL_OBJECT)
    return json_to_xml(cx, v, err);
  if (val_kind(v) != VAL_STRING)
    return bi_type_error(cx, 0, "a string or an object", v, err);
  s = val_str(v), n = val_strlen(v);
  while (n > 0 && strchr(" \t\r\n", *s))
    s++, n--;
  if (n > 0 && *s == '{') {
    Err jerr = ERR_INIT;
    Value *obj = json_parse(s, n, NULL, &jerr);
    if (!obj)
      return bi_fail(cx, err,
                     "The function 'xml' parameter is neither XML nor a JSON "
                     "object: %s",
                     jerr.msg);
    r = val_kind(obj) == VAL_OBJECT ? json_to_xml(cx, obj, err) : NULL;
    val_unref(obj);
    return r;
  }
  {
    xmlDocPtr doc = parse_xml(cx, val_str(v), val_strlen(v), err);
    if (!doc)
      return NULL;
    xmlFreeDoc(doc);
  }
  return val_ref(v);
}

/* ---- xpath() ----------------------------------------------------------- */

/* A node as .NET's XmlNode.OuterXml would show it. */
static Value *node_text(xmlDocPtr doc, xmlNodePtr n)
{
  xmlChar *t;
  Value *v;

  if (n->type == XML_ATTRIBUTE_NODE) {
    StrBuf sb;
    sb_init(&sb);
    if (n->ns && n->ns->prefix)
      sb_printf(&sb, "%s:", (const char *)n->ns->prefix);
    sb_printf(&sb, "%s=\"", (const char *)n->name);
    t = xmlNodeGetContent(n);
    put_escaped(&sb, t ? (const char *)t : "", t ? strlen((char *)t) : 0, true);
    xmlFree(t);
    sb_putc(&sb, '"');
    v = val_string_from_sb(&sb);
    sb_fini(&sb);
    return v;
  }
  if (n->type == XML_ELEMENT_NODE) {
    /* OuterXml declares the namespaces the node uses but inherits
     * (<location xmlns="https://contoso.com">Paris</location>, the
     * functions reference's xpath example 8): a parentless copy gets them
     * declared on its root by libxml2. */
    xmlNodePtr c = xmlDocCopyNode(n, doc, 1);
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, c ? c : n, 0, 0);
    if (c)
      xmlFreeNode(c);
    v = val_string((const char *)xmlBufferContent(buf),
                   (size_t)xmlBufferLength(buf));
    xmlBufferFree(buf);
    return v;
  }
  t = xmlNodeGetContent(n);
  v = val_cstr(t ? (const char *)t : "");
  xmlFree(t);
  return v;
}

/* xpath(xml, expression): a node set becomes an array of node texts; a
 * number an integer when it is whole, else a float; booleans and strings
 * as they are. */
BI_FN(bi_xpath)
{
  xmlDocPtr doc;
  xmlXPathContextPtr xc;
  xmlXPathObjectPtr res;
  Value *r = NULL, *owned = NULL;
  const Value *x = argv[0];
  int i;

  (void)argc;
  if (val_kind(x) == VAL_OBJECT) {
    owned = json_to_xml(cx, x, err);
    if (!owned)
      return NULL;
    x = owned;
  } else if (val_kind(x) != VAL_STRING) {
    return bi_type_error(cx, 0, "an XML string", x, err);
  }
  if (!bi_want_string(cx, argv, 1, err)) {
    val_unref(owned);
    return NULL;
  }
  doc = parse_xml(cx, val_str(x), val_strlen(x), err);
  val_unref(owned);
  if (!doc)
    return NULL;
  xc = xmlXPathNewContext(doc);
  xc->error = silent;
  res = xmlXPathEvalExpression((const xmlChar *)val_str(argv[1]), xc);
  if (!res) {
    bi_fail(cx, err, "The function 'xpath' expression '%.200s' is not valid",
            val_str(argv[1]));
  } else {
    switch (res->type) {
    case XPATH_NODESET:
      r = val_array_new();
      for (i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++)
        val_array_push_take(r, node_text(doc, res->nodesetval->nodeTab[i]));
      break;
    case XPATH_BOOLEAN:
      r = val_bool(res->boolval != 0);
      break;
    case XPATH_NUMBER:
      if (isfinite(res->floatval) && res->floatval == floor(res->floatval) &&
          fabs(res->floatval) < 9.0e15)
        r = val_int((int64_t)res->floatval);
      else
        r = val_float(res->floatval);
      break;
    case XPATH_STRING:
      r = val_cstr((const char *)res->stringval);
      break;
    default:
      bi_fail(cx, err,
              "The function 'xpath' expression '%.200s' has a result type "
              "that is not supported",
              val_str(argv[1]));
      break;
    }
    xmlXPathFreeObject(res);
  }
  xmlXPathFreeContext(xc);
  xmlFreeDoc(doc);
  return r;
}
