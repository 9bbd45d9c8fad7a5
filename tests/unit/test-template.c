/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CLI's Go text/template (cli/berth/template.c): every construct, with the output
 * Go's text/template gives for the same template over the same data decoded by
 * encoding/json (and Go's fmt for printf).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "berth/cleanup.h"
#include "berth/error.h"
#include "test.h"
#include "../../cli/berth/template.h"

static const char data_json[] =
    "{\"Name\":\"/web\",\"Id\":\"0123456789abcdef\","
    "\"State\":{\"Status\":\"running\",\"Pid\":42,\"Running\":true,\"Paused\":false,"
    "\"ExitCode\":0},"
    "\"Config\":{\"Cmd\":[\"httpd\",\"-f\"],\"Env\":[],\"Labels\":{\"b\":\"2\",\"a\":\"1\"},"
    "\"Image\":\"busybox\"},"
    "\"Null\":null,\"Ratio\":1.5,\"Big\":1000000.0,\"Small\":0.00001,\"Count\":3,"
    "\"Words\":\"hello big world\",\"Empty\":\"\",\"List\":[1,\"two\",null,{\"k\":true}],"
    "\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]}}";

/* render text over the data above; NULL (and *ret_err) when it fails */
static char *render_err(const char *text, bool strict, int *ret_r, char **ret_err)
{
	_cleanup_(tmpl_freep) struct tmpl *t = NULL;
	struct berth_error *err = NULL;
	json_t *data = json_loads(data_json, 0, NULL);
	char *out = NULL;
	size_t n = 0;
	FILE *f;
	int r;

	*ret_err = NULL;
	r = tmpl_parse(text, strict, &t, &err);
	if (r >= 0) {
		f = open_memstream(&out, &n);
		r = tmpl_execute(t, data, f, &err);
		fclose(f);
	}
	json_decref(data);
	*ret_r = r;
	if (r < 0) {
		free(out);
		*ret_err = strdup(berth_error_message(err));
		berth_error_free(err);
		return NULL;
	}
	return out;
}

static char *render(const char *text)
{
	char *e;
	int r;
	char *out = render_err(text, false, &r, &e);

	if (!out) {
		printf("# %s: %s\n", text, e);
		free(e);
	}
	return out;
}

#define ASSERT_RENDER(text, want)                                                                  \
	do {                                                                                       \
		_cleanup_free_ char *out_ = render(text);                                          \
		ASSERT_STREQ(out_, want);                                                          \
	} while (0)

#define ASSERT_FAILS(text, strict, code, msg)                                                      \
	do {                                                                                       \
		_cleanup_free_ char *e_ = NULL;                                                    \
		int r_;                                                                            \
		_cleanup_free_ char *out_ = render_err(text, strict, &r_, &e_);                    \
		ASSERT_TRUE(out_ == NULL);                                                         \
		ASSERT_EQ(r_, code);                                                               \
		ASSERT_STREQ(e_, msg);                                                             \
	} while (0)

TEST(text_and_fields)
{
	ASSERT_RENDER("plain text", "plain text");
	ASSERT_RENDER("{{.Name}}", "/web");
	ASSERT_RENDER("{{.State.Status}} {{.State.Pid}}", "running 42");
	ASSERT_RENDER("{{ .State.Running }}/{{.State.Paused}}", "true/false");
	ASSERT_RENDER("{{.State}}",
		      "map[ExitCode:0 Paused:false Pid:42 Running:true Status:running]");
}

TEST(default_printing_as_go)
{
	/* []interface{} and map[string]interface{}: fmt's %v */
	ASSERT_RENDER("{{.Config.Cmd}}", "[httpd -f]");
	ASSERT_RENDER("{{.Config.Env}}", "[]");
	ASSERT_RENDER("{{.Config.Labels}}", "map[a:1 b:2]");
	ASSERT_RENDER("{{.List}}", "[1 two <nil> map[k:true]]");
	ASSERT_RENDER("{{.Ports}}", "map[80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]]");
	/* float64: the shortest form, %e from an exponent of 6 */
	ASSERT_RENDER("{{.Ratio}} {{.Big}} {{.Small}}", "1.5 1e+06 1e-05");
	ASSERT_RENDER("{{1.25}} {{123456.0}} {{1234567.0}} {{0.0001}}",
		      "1.25 123456 1.234567e+06 0.0001");
	/* a nil value, and a missing key outside missingkey=error */
	ASSERT_RENDER("{{.Null}}|{{.Nope}}|{{.Nope.Deeper}}", "<no value>|<no value>|<no value>");
	ASSERT_RENDER("{{.}}", "map[Big:1e+06 Config:map[Cmd:[httpd -f] Env:[] Image:busybox "
			       "Labels:map[a:1 b:2]] Count:3 Empty: Id:0123456789abcdef "
			       "List:[1 two <nil> map[k:true]] Name:/web Null:<nil> "
			       "Ports:map[80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]] Ratio:1.5 "
			       "Small:1e-05 State:map[ExitCode:0 Paused:false Pid:42 Running:true "
			       "Status:running] Words:hello big world]");
}

TEST(literals)
{
	ASSERT_RENDER("{{\"a\\tb\"}} {{`raw\\n`}} {{42}} {{-7}} {{0x1F}} {{true}} {{'a'}}",
		      "a\tb raw\\n 42 -7 31 true 97");
}

TEST(json_function)
{
	ASSERT_RENDER("{{json .Config.Cmd}}", "[\"httpd\",\"-f\"]");
	ASSERT_RENDER("{{json .State}}",
		      "{\"Status\":\"running\",\"Pid\":42,\"Running\":true,\"Paused\":false,"
		      "\"ExitCode\":0}");
	ASSERT_RENDER("{{json .Null}} {{json .Nope}} {{json .Ratio}} {{json .Big}}",
		      "null null 1.5 1000000");
	/* no HTML escaping (docker's SetEscapeHTML(false)) */
	ASSERT_RENDER("{{json \"<a&b>\"}}", "\"<a&b>\"");
	ASSERT_RENDER("{{.Config.Cmd | json}}", "[\"httpd\",\"-f\"]");
}

TEST(pipelines_and_parens)
{
	ASSERT_RENDER("{{.Name | upper}}", "/WEB");
	/* the value piped in is the last argument */
	ASSERT_RENDER("{{\" \" | split .Words | len}}", "3");
	ASSERT_RENDER("{{.Words | split \" \" | len}}", "1");
	ASSERT_RENDER("{{.Words | printf \"%s!\" | upper}}", "HELLO BIG WORLD!");
	ASSERT_RENDER("{{(index .Config.Cmd 0) | len}} {{(index .Ports \"80/tcp\" 0).HostIp}}",
		      "5 0.0.0.0");
}

TEST(variables)
{
	ASSERT_RENDER("{{$x := .State.Status}}{{$x}}", "running");
	ASSERT_RENDER("{{$x := 1}}{{$x = 2}}{{$x}}", "2");
	ASSERT_RENDER("{{with .State}}{{$.Name}} {{.Status}}{{end}}", "/web running");
	ASSERT_RENDER("{{$c := .Config}}{{$c.Image}} {{index $c.Cmd 0}}", "busybox httpd");
}

TEST(range)
{
	ASSERT_RENDER("{{range .Config.Cmd}}<{{.}}>{{end}}", "<httpd><-f>");
	ASSERT_RENDER("{{range $i, $v := .Config.Cmd}}{{$i}}={{$v}} {{end}}", "0=httpd 1=-f ");
	ASSERT_RENDER("{{range $v := .Config.Cmd}}{{$v}};{{end}}", "httpd;-f;");
	/* objects in key order */
	ASSERT_RENDER("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "a=1,b=2,");
	ASSERT_RENDER("{{range .Config.Env}}x{{else}}none{{end}}", "none");
	ASSERT_RENDER("{{range .Nope}}x{{else}}none{{end}}", "none");
	ASSERT_RENDER("{{range $p, $b := .Ports}}{{$p}}->{{(index $b 0).HostPort}}{{end}}",
		      "80/tcp->8080");
	ASSERT_RENDER("{{range 3}}{{.}}{{end}}", "012");
}

TEST(conditionals)
{
	ASSERT_RENDER("{{if .State.Running}}up{{else}}down{{end}}", "up");
	ASSERT_RENDER(
	    "{{if .State.Paused}}p{{else if eq .State.Status \"running\"}}r{{else}}x{{end}}", "r");
	ASSERT_RENDER("{{if .Empty}}a{{else if .Null}}b{{else}}c{{end}}", "c");
	ASSERT_RENDER("{{if .Config.Env}}env{{end}}{{if .Config.Cmd}}cmd{{end}}", "cmd");
	ASSERT_RENDER("{{with .Config}}{{.Image}}{{end}}", "busybox");
	ASSERT_RENDER("{{with .Empty}}x{{else}}empty{{end}}", "empty");
	ASSERT_RENDER("{{if and .State.Running (not .State.Paused)}}ok{{end}}", "ok");
	ASSERT_RENDER("{{or .Empty .Name}} {{and .Name .Empty}}|{{and 1 2}}", "/web |2");
	ASSERT_RENDER("{{not 0}} {{not .Name}}", "true false");
}

TEST(comparisons)
{
	ASSERT_RENDER("{{eq .State.Pid 42}} {{eq .Name \"/x\" \"/web\"}} {{ne .Count 3}}",
		      "true true false");
	ASSERT_RENDER("{{lt 1 2}} {{le 2 2}} {{gt 1.5 2}} {{ge \"b\" \"a\"}} {{lt .Count 3.5}}",
		      "true true false true true");
}

TEST(functions)
{
	ASSERT_RENDER("{{index .Config.Cmd 1}} {{index .Config.Labels \"a\"}} {{index .Ports "
		      "\"80/tcp\" 0 \"HostPort\"}}",
		      "-f 1 8080");
	ASSERT_RENDER("{{index .Config.Labels \"zz\"}}", "<no value>");
	ASSERT_RENDER("{{join .Config.Cmd \", \"}}", "httpd, -f");
	ASSERT_RENDER("{{split \"a:b:c\" \":\"}} {{len (split \"a:b:c\" \":\")}}", "[a b c] 3");
	ASSERT_RENDER("{{lower \"AbC\"}} {{upper \"AbC\"}} {{title \"hello big-world\"}}",
		      "abc ABC Hello Big-World");
	ASSERT_RENDER("{{len .Name}} {{len .Config.Cmd}} {{len .Config.Labels}}", "4 2 2");
	ASSERT_RENDER("{{truncate .Id 4}} {{pad \"x\" 1 2}}|", "0123  x  |");
	ASSERT_RENDER("{{print \"a\" 1 2 \"b\"}} {{println 1 \"x\"}}", "a1 2b 1 x\n");
}

TEST(printf)
{
	ASSERT_RENDER("{{printf \"%s-%d\" .Name .State.Pid}}", "/web-42");
	ASSERT_RENDER("{{printf \"%v|%v|%v\" .Config.Cmd .Ratio .Null}}", "[httpd -f]|1.5|<nil>");
	ASSERT_RENDER("{{printf \"%q\" .Name}} {{printf \"%q\" \"a\\\"b\\n\"}}",
		      "\"/web\" \"a\\\"b\\n\"");
	ASSERT_RENDER("[{{printf \"%-10s\" .State.Status}}] [{{printf \"%10s\" \"é\"}}]",
		      "[running   ] [         é]");
	ASSERT_RENDER("{{printf \"%05d|%x|%X|%.2f|%t|%%|%c\" 42 255 255 3.14159 true 65}}",
		      "00042|ff|FF|3.14|true|%|A");
	ASSERT_RENDER("{{printf \"%.3s\" \"abcdef\"}} {{printf \"%6.2f\" 1.5}}", "abc   1.50");
	/* Go's complaints, inline */
	ASSERT_RENDER("{{printf \"%d %s\" \"x\" 5}}", "%!d(string=x) %!s(int=5)");
	ASSERT_RENDER("{{printf \"%s %s\" \"a\"}}", "a %!s(MISSING)");
	ASSERT_RENDER("{{printf \"%s\" \"a\" 1}}", "a%!(EXTRA int=1)");
	ASSERT_RENDER("{{.State.Pid | printf \"pid=%d\"}}", "pid=42");
}

TEST(trim_markers_and_comments)
{
	ASSERT_RENDER("a  {{- .State.Status -}}  \n b", "arunningb");
	ASSERT_RENDER("{{range .Config.Cmd -}}\n  {{.}}\n{{- end}}", "httpd-f");
	ASSERT_RENDER("x {{/* a comment */}} y {{- /* trimmed */ -}} z", "x  yz");
	ASSERT_RENDER("{{-3}}", "-3");
}

TEST(strict_missing_key)
{
	/* docker's inspect: missingkey=error, at the chain's node */
	ASSERT_FAILS("{{.Nope.Deeper}}", true, -ENOENT,
		     "template: :1:7: executing \"\" at <.Nope.Deeper>: map has no entry for key "
		     "\"Nope\"");
	ASSERT_FAILS("status {{.State.Status}} {{json .State.Nope}}", true, -ENOENT,
		     "template: :1:38: executing \"\" at <.State.Nope>: map has no entry for key "
		     "\"Nope\"");
	ASSERT_FAILS(
	    "{{.Nope}}", true, -ENOENT,
	    "template: :1:2: executing \"\" at <.Nope>: map has no entry for key \"Nope\"");
	ASSERT_FAILS("a\n {{.State.Nope}}", true, -ENOENT,
		     "template: :2:9: executing \"\" at <.State.Nope>: map has no entry for key "
		     "\"Nope\"");
}

TEST(execution_errors)
{
	ASSERT_FAILS("{{.Name.Foo}}", false, -EINVAL,
		     "template: :1:7: executing \"\" at <.Name.Foo>: can't evaluate field Foo in "
		     "type string");
	ASSERT_FAILS("{{index .Config.Cmd 5}}", false, -EINVAL,
		     "template: :1:2: executing \"\" at <index .Config.Cmd 5>: error calling "
		     "index: index out of range: 5");
	ASSERT_FAILS("{{.Null.X}}", false, -EINVAL,
		     "template: :1:7: executing \"\" at <.Null.X>: nil pointer evaluating "
		     "interface {}.X");
	ASSERT_FAILS("{{range .Name}}{{end}}", false, -EINVAL,
		     "template: :1:8: executing \"\" at <.Name>: range can't iterate over /web");
	ASSERT_FAILS("{{upper .Count}}", false, -EINVAL,
		     "template: :1:2: executing \"\" at <upper .Count>: wrong type for value; "
		     "expected string; got int");
	ASSERT_FAILS("{{.Name 1}}", false, -EINVAL,
		     "template: :1:2: executing \"\" at <.Name 1>: Name is not a method but has "
		     "arguments");
	ASSERT_FAILS("{{lt .Config.Cmd 1}}", false, -EINVAL,
		     "template: :1:2: executing \"\" at <lt .Config.Cmd 1>: error calling lt: "
		     "invalid type for comparison");
}

TEST(parse_errors)
{
	ASSERT_FAILS("{{.Name", false, -EINVAL, "template: :1: unclosed action");
	ASSERT_FAILS("{{nope .}}", false, -EINVAL, "template: :1: function \"nope\" not defined");
	ASSERT_FAILS("{{if .Name}}x", false, -EINVAL, "template: :1: unexpected EOF");
	ASSERT_FAILS("x{{end}}", false, -EINVAL, "template: :1: unexpected {{end}}");
	ASSERT_FAILS("a\n{{$x}}", false, -EINVAL, "template: :2: undefined variable \"$x\"");
	ASSERT_FAILS("{{if}}{{end}}", false, -EINVAL, "template: :1: missing value for if");
	ASSERT_FAILS("{{}}", false, -EINVAL, "template: :1: missing value for command");
	ASSERT_FAILS("{{\"abc}}", false, -EINVAL, "template: :1: unterminated quoted string");
	ASSERT_FAILS("{{template \"x\"}}", false, -EINVAL,
		     "template: :1: {{template}} is not supported");
}

TEST_MAIN()
