#!/bin/bash
# --explain in Portuguese (Brazil) and Arabic: the two seed pages (1010 vs
# 1011, 1010 vs 1012) with their headings and every fact (meaning, when you
# see it, how to fix, the difference) in each language; -F json with --lang
# is valid JSON with the English keys and the translated texts; and no page
# of the knowledge base (every close code, range, handshake failure and
# cause id) keeps an English sentence or line.
. "${top_srcdir:-.}/tests/lib.sh"
: "${WSCLOSED_LOCALEDIR:=$top_builddir/po/locale}"
export WSCLOSED_LOCALEDIR
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# has FILE PATTERN...: every pattern (case-insensitive, extended) is in FILE,
# read as one line with single spaces (phrases wrap across lines)
has() {
  local f=$1 p miss=""; shift
  tr -s '\n ' '  ' <"$f" >"$f.flat"
  for p in "$@"; do grep -qiE -- "$p" "$f.flat" || grep -qiE -- "$p" "$f" || miss="$miss [$p]"; done
  [ -z "$miss" ] || { echo "# missing:$miss"; return 1; }
}
ex() { LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" "$@" 2>&1; }
jqt() { jq -e "$@" >/dev/null; }

# ---- Portuguese (Brazil) ----------------------------------------------------
ex --lang pt_BR --explain 1010 1011 >"$tmp/pt11"
check "pt_BR --explain 1010 1011: exit 0" test "$?" -eq 0
check "... the seed page's headings" \
  has "$tmp/pt11" "^1010 Mandatory Extension \(extensão obrigatória\)$" "^1011 Internal Error \(erro interno\)$" \
      "^Descrição:$" "^Quando você o vê:$" "^Como corrigir:$" "^Enviado por:$" \
      "^Diferenças principais: 1010 .* vs 1011 " "^Quem o envia:$" "^Verifique primeiro na rede:$" \
      "^O que a captura mostra:$" "^Como o wsclosed os diferencia:$"
check "... 1010: meaning, when you see it, how to fix" \
  has "$tmp/pt11" "O cliente está fechando a conexão porque o servidor não aceitou uma extensão que o cliente exige" \
      "O cliente ofereceu no handshake uma extensão sem a qual não funciona" "compressão permessage-deflate" \
      "resposta 101 do servidor a deixou de fora de Sec-WebSocket-Extensions" \
      "Habilite a extensão no servidor" "torne a extensão opcional no cliente" \
      "repassar Sec-WebSocket-Extensions nos dois sentidos"
check "... 1011: meaning, when you see it, how to fix" \
  has "$tmp/pt11" "condição inesperada que o impediu de atender a conexão" "equivalente WebSocket do HTTP 500" \
      "exceção não tratada ao processar uma mensagem" "logs do servidor" "stack trace" \
      "tratamento de erros em volta do processamento de mensagens"
check "... the difference: the client only sends 1010, the server 1011" \
  has "$tmp/pt11" "1010 Mandatory Extension \(extensão obrigatória\): somente o cliente" \
      "1011 Internal Error \(erro interno\): o servidor" "Quem enviou o close frame \(close_initiator\)"

ex --lang pt_BR --explain 1010 1012 >"$tmp/pt12"
check "pt_BR --explain 1010 1012: the facts of the seed page" \
  has "$tmp/pt12" "^Diferenças principais: 1010 .* vs 1012 " "^1012 Service Restart \(reinício do serviço\)$" \
      "O servidor está reiniciando" "o cliente pode reconectar e deve conseguir assim que o servidor voltar" \
      "durante um reinício planejado" "Deploys, recarga de configuração" \
      "Reconecte automaticamente após um atraso curto e aleatório \(1-5 s" \
      "1012 Service Restart \(reinício do serviço\): o servidor, antes de um reinício planejado" \
      "Habilite a extensão no servidor"

# ---- Arabic -------------------------------------------------------------------
ex --lang ar --explain 1010 1011 >"$tmp/ar11"
check "ar --explain 1010 1011: exit 0" test "$?" -eq 0
check "... the seed page's headings" \
  has "$tmp/ar11" "^1010 امتداد إلزامي \(Mandatory Extension\)$" "^1011 خطأ داخلي \(Internal Error\)$" \
      "^الوصف:$" "^متى تراه:$" "^كيفية الإصلاح:$" "^المُرسِل:$" \
      "^الفروق الرئيسية: 1010 .* مقابل 1011 " "^مَن يرسله:$" "^ما يُظهره الالتقاط:$" "^كيف يميّز wsclosed بينها:$"
check "... 1010: meaning, when you see it, how to fix" \
  has "$tmp/ar11" "العميل يغلق الاتصال لأن الخادم لم يقبل امتدادًا يشترطه العميل" \
      "عرض العميل في المصافحة امتدادًا لا يعمل من دونه" "ضغط permessage-deflate" \
      "ولم تذكره استجابة 101 من الخادم في Sec-WebSocket-Extensions" \
      "فعّل الامتداد على الخادم" "اجعل الامتداد اختياريًّا في العميل"
check "... 1011: meaning, when you see it, how to fix" \
  has "$tmp/ar11" "واجه الطرف حالة غير متوقعة منعته من خدمة الاتصال" "نظير HTTP 500" \
      "استثناء غير معالَج أثناء معالجة رسالة" "سجلات الخادم" "تتبّع المكدس \(stack trace\)" \
      "معالجة للأخطاء حول معالجة الرسائل"
check "... the difference: the client only sends 1010, the server 1011" \
  has "$tmp/ar11" "1010 امتداد إلزامي \(Mandatory Extension\): العميل فقط" \
      "1011 خطأ داخلي \(Internal Error\): الخادم" "مَن أرسل إطار الإغلاق \(close_initiator\)"

ex --lang ar --explain 1010 1012 >"$tmp/ar12"
check "ar --explain 1010 1012: the facts of the seed page" \
  has "$tmp/ar12" "^الفروق الرئيسية: 1010 .* مقابل 1012 " "^1012 إعادة تشغيل الخدمة \(Service Restart\)$" \
      "الخادم يُعاد تشغيله" "يمكن للعميل أن يعيد الاتصال وينبغي أن ينجح حين يعود الخادم" \
      "أثناء إعادة تشغيل مخطط لها" "عمليات النشر \(deploy\)، وإعادة تحميل الإعدادات" \
      "أعد الاتصال تلقائيًّا بعد تأخير قصير عشوائي \(1-5 s" \
      "1012 إعادة تشغيل الخدمة \(Service Restart\): الخادم، قبل إعادة تشغيل مخطط لها" \
      "فعّل الامتداد على الخادم"

# ---- JSON with --lang: valid, same keys as English, texts translated -----------
ex --explain 1010 1011 idle_timeout 403 -F json >"$tmp/en.json"
for l in pt_BR ar; do
  ex --lang "$l" --explain 1010 1011 idle_timeout 403 -F json >"$tmp/$l.json"
  check "$l -F json: valid JSON" bash -c "jq -e . '$tmp/$l.json' >/dev/null"
  check "... the same keys, kinds, codes and cause ids as in English" \
    test "$(jq -c '[paths|map(tostring)|join(".")], [.items[]|.kind, .key, .code, .id, .on_wire]' "$tmp/$l.json" 2>&1)" \
       = "$(jq -c '[paths|map(tostring)|join(".")], [.items[]|.kind, .key, .code, .id, .on_wire]' "$tmp/en.json" 2>&1)"
  # (an HTTP status keeps its reason phrase as its name: "HTTP 403 Forbidden")
  check "... every text field differs from English" \
    test "$(jq -n --slurpfile a "$tmp/en.json" --slurpfile b "$tmp/$l.json" \
      '[range(0; $a[0].items|length) as $i | ["name","meaning","sent_by","when","fix","evidence","check_first","who_sends","wire","wsclosed_evidence"][] as $k
        | select($a[0].items[$i][$k] != null and $a[0].items[$i][$k] == $b[0].items[$i][$k])
        | select($k != "name" or $a[0].items[$i].kind != "handshake")] | length' 2>&1)" = 0
done
check "pt_BR JSON: 1010's meaning in Portuguese" \
  jqt '.items[0].meaning | startswith("O cliente está fechando a conexão porque o servidor")' "$tmp/pt_BR.json"
check "ar JSON: 1010's meaning in Arabic" \
  jqt '.items[0].meaning | startswith("العميل يغلق الاتصال لأن الخادم")' "$tmp/ar.json"

# ---- no English left on any page ------------------------------------------------
# every key of the knowledge bases, from their tables
keys=$(sed -nE 's/^  \{ [0-9]+, "([^"]+)".*/\1/p' "$top_srcdir/src/closecodes.c"
       sed -nE 's/^  \{ "([a-z_]+)",.*/\1/p' "$top_srcdir/src/causeinfo.c")
nkeys=$(echo "$keys" | wc -l)
check "the tables give the pages to compare ($nkeys)" test "$nkeys" -ge 60
mkdir -p "$tmp/pages"
i=0
for k in $keys "1010 1011" "1010 1012" "403 1006 idle_timeout 4001" "1000 1005 1015"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  ex --explain $k >"$tmp/pages/$i.en"
  for l in pt_BR ar; do
    # shellcheck disable=SC2086
    ex --lang "$l" --explain $k >"$tmp/pages/$i.$l"
  done
done
# A line of the English page may appear unchanged only when it is made of
# wire tokens (codes, headers, option values); an English sentence of five
# words or more may not appear at all, however the page is wrapped.
cat >"$tmp/english.py" <<'PY'
import glob, re, sys
lang = sys.argv[2]
FUNC = set("the a an and or of to in on is are was not with for from by when that it its "
           "this be no as at if than then which who after before does did has have only "
           "never what how why there their they you your".split())
def prose(s):
    return sum(w in FUNC for w in re.findall(r"[a-z]+", s.lower())) >= 2
bad = []
for en in sorted(glob.glob(sys.argv[1] + "/*.en")):
    tr_path = en[:-3] + "." + lang
    e = open(en, encoding="utf-8").read()
    t = open(tr_path, encoding="utf-8").read()
    if not e.strip() or not t.strip():
        bad.append(f"{tr_path}: empty page"); continue
    tlines = {l.strip() for l in t.splitlines()}
    for l in e.splitlines():
        if l.strip() and l.strip() in tlines and prose(l):
            bad.append(f"{tr_path}: line {l.strip()!r}")
    flat_e, flat_t = " ".join(e.split()), " ".join(t.split())
    for s in re.split(r"(?<=[.:;])\s+", flat_e):
        if len(s.split()) >= 5 and prose(s) and s in flat_t:
            bad.append(f"{tr_path}: sentence {s!r}")
for b in bad[:5]:
    print("#", b)
sys.exit(1 if bad else 0)
PY
for l in pt_BR ar; do
  check "$l: no page of the knowledge base keeps an English line or sentence ($i pages)" \
    "$PYTHON" "$tmp/english.py" "$tmp/pages" "$l"
done
# the check itself: an English page compared with itself is caught
cp "$tmp/pages/1.en" "$tmp/pages/1.xx"; for f in "$tmp"/pages/*.en; do cp -n "$f" "${f%.en}.xx"; done
check "... (the check catches an untranslated page)" bash -c "! '$PYTHON' '$tmp/english.py' '$tmp/pages' xx >/dev/null"
tap_end
exit 0
