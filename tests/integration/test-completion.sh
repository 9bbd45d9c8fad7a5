# The bash, zsh and fish completions and man pages the build generates from berth's own --help
# (scripts/gen-docs.py): every verb and flag the help lists is completed and documented.

gen_dir() { echo "$(dirname "$(dirname "$HARNESS_BERTH")")/completion"; }

# complete WORDS...: what the completion offers for the last word of `WORDS`
complete_words() {
	(
		# as bash runs a completion: no errexit, no ERR trap
		set +eE
		trap - ERR
		# shellcheck disable=SC1091
		source "$(gen_dir)/berth"
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_berth
		printf '%s\n' "${COMPREPLY[@]}"
	)
}

test_completion_offers_verbs_flags_and_names() {
	[[ -f $(gen_dir)/berth ]] || fail "no completion generated in $(gen_dir)"
	bash -n "$(gen_dir)/berth"
	assert_eq "run" "$(complete_words "$BERTH" ru)"
	assert_eq "rename restart rm rmi run" "$(complete_words "$BERTH" r | sort | paste -sd' ')"
	assert_eq "--privileged" "$(complete_words "$BERTH" run --priv)"
	assert_eq "--all" "$(complete_words "$BERTH" ps --al)"
	assert_contains "$(complete_words "$BERTH" network c)" "create"
	assert_contains "$(complete_words "$BERTH" volume "")" "prune"
	# every long flag of run's help is offered
	local f offered missing=""
	for f in $("$BERTH" run --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
		offered=$(complete_words "$BERTH" run "$f")
		grep -qx -- "$f" <<<"$offered" || missing+=" $f"
	done
	assert_eq "" "$missing"
	# operands: the containers and images of the store named by --root
	import_probe_image bb
	engine create --name alpha "$(cgp)" bb true >/dev/null
	engine create --name alps "$(cgp)" bb true >/dev/null
	assert_eq "alpha alps" "$(complete_words "$BERTH" --root "$BERTH_STORE" rm al | sort | paste -sd' ')"
	assert_eq "bb:latest" "$(complete_words "$BERTH" --root "$BERTH_STORE" run --rm b)"
	engine rm alpha alps >/dev/null
}

test_man_pages_for_every_verb_and_flag() {
	local d verb sub
	d=$(gen_dir)/man
	[[ -f $d/berth.1 ]] || fail "no berth.1 in $d"
	for verb in $("$BERTH" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
		[[ -f $d/berth-$verb.1 ]] || fail "no man page for $verb"
		grep -q '^\.SH SYNOPSIS' "$d/berth-$verb.1" || fail "berth-$verb.1 has no SYNOPSIS"
	done
	for sub in $("$BERTH" volume --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
		[[ -f $d/berth-volume-$sub.1 ]] || fail "no man page for volume $sub"
	done
	# the flags as the help gives them, rendered
	local text
	if command -v groff >/dev/null; then
		text=$(groff -man -Tutf8 "$d/berth-run.1" 2>/dev/null | col -b)
	else
		text=$(cat "$d/berth-run.1")
	fi
	assert_contains "$text" "privileged"
	assert_contains "$text" "Give extended privileges to this container"
	assert_contains "$(cat "$d/berth-ps.1")" '.B berth ps [OPTIONS]'
}

# zsh_complete WORDS...: what zsh's completion (completion/_berth) offers for the last word,
# its _describe, compadd and _files stubbed to print their candidates ("<files>")
zsh_complete() {
	PATH="$(dirname "$BERTH"):$PATH" zsh -f -c '
		_describe() { print -l -- ${${(P)${@[-1]}}%%:*} }
		compadd() { print -l -- ${(P)${@[-1]}} }
		_files() { print -- "<files>" }
		words=("$@"); CURRENT=${#words}; PREFIX=$words[CURRENT]
		source "$0"' "$(gen_dir)/_berth" "$@" | grep -e "^<files>$" -e "^${*: -1}" || true
}

# fish_complete LINE: what fish's completion (completion/berth.fish) offers for LINE,
# without the descriptions
fish_complete() {
	PATH="$(dirname "$BERTH"):$PATH" fish -c "source $(printf '%q' "$(gen_dir)/berth.fish"); complete -C\$argv[1]" "$1" | cut -f1
}

test_zsh_completion() {
	command -v zsh >/dev/null || skip "zsh is not installed"
	[[ -f $(gen_dir)/_berth ]] || fail "no zsh completion generated in $(gen_dir)"
	zsh -n "$(gen_dir)/_berth"
	assert_eq "#compdef berth" "$(head -n1 "$(gen_dir)/_berth")"
	# compinit finds it on the fpath and binds it to berth
	assert_eq _berth "$(zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -d "$2"; print -- $_comps[berth]' \
		zsh "$(gen_dir)" "$BERTH_TEST_TMP/zcompdump")"
	assert_eq "run" "$(zsh_complete berth ru)"
	assert_eq "--privileged" "$(zsh_complete berth run --priv)"
	assert_eq "--detach-keys" "$(zsh_complete berth attach --detach)"
	assert_contains "$(zsh_complete berth volume c)" "create"
	assert_eq "<files>" "$(zsh_complete berth run -v x)"
	# every long flag of run's help is offered
	local f offered missing=""
	offered=$(zsh_complete berth run --)
	for f in $("$BERTH" run --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
		grep -qx -- "$f" <<<"$offered" || missing+=" $f"
	done
	assert_eq "" "$missing"
	# operands: the names of the store --root names
	import_probe_image bb
	engine create --name alpha "$(cgp)" bb true >/dev/null
	engine create --name alps "$(cgp)" bb true >/dev/null
	assert_eq "alpha alps" "$(zsh_complete berth --root "$BERTH_STORE" rm al | sort | paste -sd' ')"
	assert_eq "bb:latest" "$(zsh_complete berth --root "$BERTH_STORE" run --rm b)"
	engine rm alpha alps >/dev/null
}

test_fish_completion() {
	command -v fish >/dev/null || skip "fish is not installed"
	[[ -f $(gen_dir)/berth.fish ]] || fail "no fish completion generated in $(gen_dir)"
	fish -n "$(gen_dir)/berth.fish"
	assert_eq "run" "$(fish_complete 'berth ru')"
	assert_eq "--privileged" "$(fish_complete 'berth run --priv')"
	assert_eq "--sig-proxy" "$(fish_complete 'berth attach --sig')"
	assert_eq "create" "$(fish_complete 'berth --root /nowhere volume cr')"
	# the descriptions are the help's
	assert_eq "--privileged	Give extended privileges to this container" \
		"$(PATH="$(dirname "$BERTH"):$PATH" fish -c "source $(printf '%q' "$(gen_dir)/berth.fish"); complete -C'berth run --priv'")"
	local f offered missing=""
	offered=$(fish_complete 'berth run --')
	for f in $("$BERTH" run --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
		grep -qx -- "$f" <<<"$offered" || missing+=" $f"
	done
	assert_eq "" "$missing"
	import_probe_image bb
	engine create --name alpha "$(cgp)" bb true >/dev/null
	engine create --name alps "$(cgp)" bb true >/dev/null
	assert_eq "alpha alps" "$(fish_complete "berth --root $BERTH_STORE rm al" | sort | paste -sd' ')"
	assert_eq "bb:latest" "$(fish_complete "berth --root $BERTH_STORE run --rm b")"
	engine rm alpha alps >/dev/null
}
