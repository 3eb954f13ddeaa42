#!/usr/bin/env bash
# docs/mobile-app.md, step by step: sign-up with an SMS code, login, refresh rotation and theft detection,
# logout, the profile, naming a child, access log, notifications, documents (PDF, public verification),
# complaints (photo, refusals, "me too", status with ETag). Run after hospital.sh (its births give the
# demo mother the documents of section 4), against the same server (API=...).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
ROOT=$(dirname "$(dirname "$HERE")")
FLASK=${FLASK:-$ROOT/.venv/bin/flask}
PY=${PYTHON:-$ROOT/.venv/bin/python}
JSON=(-H "Content-Type: application/json")

# The newest OTP sent to a phone, read from the development outbox (no SMS leaves the machine).
otp_for() { (cd "$ROOT" && "$FLASK" --app wsgi outbox --to "$1" --limit 1) | grep -o '[0-9]\{6\}' | head -n 1; }

echo "== 2. Sign-up: NIK, name, birth date, phone -> OTP"
call 202 POST /api/v1/auth/signup "${JSON[@]}" \
  -d '{"nik": "1272015005489001", "full_name": "Rosmawati Damanik", "birth_date": "1948-05-10", "phone": "0812-6000-0003"}'
CHALLENGE=$(field .id)
[ "$(field .sent_to)" = "+6281******003" ]
call 422 POST /api/v1/auth/signup "${JSON[@]}" \
  -d '{"nik": "1272015005489001", "full_name": "Rosmawati Sinaga", "birth_date": "1948-05-10", "phone": "0812-6000-0003"}'
[ "$(field .reason)" = registry_mismatch ]
(cd "$ROOT" && "$FLASK" --app wsgi outbox --to 0812-6000-0003 --limit 1)
OTP=$(otp_for 0812-6000-0003)
WRONG=$([ "$OTP" = 000000 ] && echo 111111 || echo 000000)
call 422 POST "/api/v1/auth/signup/$CHALLENGE/verify" "${JSON[@]}" -d "{\"otp\": \"$WRONG\", \"password\": \"kopi-siantar-48\"}"
[ "$(field .reason)" = otp_invalid ]
call 201 POST "/api/v1/auth/signup/$CHALLENGE/verify" "${JSON[@]}" -d "{\"otp\": \"$OTP\", \"password\": \"kopi-siantar-48\"}"
field .refresh_token >/dev/null && [ "$(field .expires_in)" = 900 ]

echo "   forgotten password: 202 whether or not the account exists"
call 202 POST /api/v1/auth/password-reset "${JSON[@]}" -d '{"login": "+6281269999999"}'

echo "== 3. Login, refresh rotation, logout"
call 200 POST /api/v1/auth/login "${JSON[@]}" -d '{"username": "1272015203959001", "password": "siantar-demo-2026"}'
ACCESS=$(field .access_token) REFRESH=$(field .refresh_token)
call 401 POST /api/v1/auth/login "${JSON[@]}" -d '{"username": "+6281260000002", "password": "salah"}'
[ "$(field .reason)" = invalid_credentials ]
call 200 POST /api/v1/auth/refresh "${JSON[@]}" -d "{\"refresh_token\": \"$REFRESH\"}"
NEWEST=$(field .refresh_token)
call 401 POST /api/v1/auth/refresh "${JSON[@]}" -d "{\"refresh_token\": \"$REFRESH\"}"  # the spent one
[ "$(field .reason)" = refresh_token_reused ]
call 401 POST /api/v1/auth/refresh "${JSON[@]}" -d "{\"refresh_token\": \"$NEWEST\"}"   # the newest one
[ "$(field .reason)" = invalid_refresh_token ]
call 200 POST /api/v1/auth/login "${JSON[@]}" -d '{"username": "+6281260000002", "password": "siantar-demo-2026"}'
ACCESS=$(field .access_token) REFRESH=$(field .refresh_token)
call 204 POST /api/v1/auth/logout -H "Authorization: Bearer $ACCESS" "${JSON[@]}" -d "{\"refresh_token\": \"$REFRESH\"}"
call 401 GET /api/v1/me -H "Authorization: Bearer $ACCESS"
[ "$(field .reason)" = token_revoked ]

echo "   the rest of this guide uses the demo mother (and, for 'me too', the demo father)"
login() {
  curl -s -X POST "$API/api/v1/auth/login" -H "Content-Type: application/json" \
    -d "{\"username\": \"$1\", \"password\": \"siantar-demo-2026\"}" | jq -er .access_token
}
ACCESS=$(login 1272015203959001)
FATHER=$(login 1272010807929001)
MOM=(-H "Authorization: Bearer $ACCESS")

echo "== 4. Me: profile and family"
call 200 GET /api/v1/me "${MOM[@]}"
[ "$(field .resident.nik)" = "1272********9001" ] && [ "$(field .resident.full_name)" = "SITI RAHMA SIREGAR" ]
[ "$(field '[.family[] | select(.family_relationship == "ANAK" and .full_name == "")] | length')" = 1 ]

echo "   the child registered without a name: its birth is in the notification's ref"
call 200 GET "/api/v1/me/notifications?limit=20" "${MOM[@]}"
BIRTH=""
for ref in $(field '[.[] | select(.kind == "adminduk.birth_registered") | .ref] | reverse | .[]'); do
  call 200 GET "/api/v1/adminduk/births/${ref#birth:}" "${MOM[@]}" >/dev/null
  if [ "$(field .child_name)" = null ]; then BIRTH=${ref#birth:}; break; fi
done
[ -n "$BIRTH" ]
call 422 POST "/api/v1/adminduk/births/$BIRTH/name" "${MOM[@]}" "${JSON[@]}" -d '{"name": "By. Ny. Siti Rahma"}'
[ "$(field .reason)" = placeholder_name ]
call 200 POST "/api/v1/adminduk/births/$BIRTH/name" "${MOM[@]}" "${JSON[@]}" -d '{"name": "Putri Anggun Simanjuntak"}'
[ "$(field .child_name)" = "PUTRI ANGGUN SIMANJUNTAK" ]
[ "$(field '[.documents[] | select(.status == "valid") | "\(.kind) v\(.version)"] | join(",")')" = "akta_kelahiran v2,kia v2,kk v3" ]
call 409 POST "/api/v1/adminduk/births/$BIRTH/name" "${MOM[@]}" "${JSON[@]}" -d '{"name": "Putri Cahaya Simanjuntak"}'
[ "$(field .reason)" = child_already_named ]

echo "   access log: the hospital's report and reads"
call 200 GET "/api/v1/me/access-log?limit=50&offset=0" "${MOM[@]}"
[ "$(field '[.[] | .action] | index("report:birth") != null')" = true ]
[ "$(field '[.[] | .action] | index("read:birth") != null')" = true ]

echo "   notifications: newest first, mark one read"
call 200 GET "/api/v1/me/notifications?limit=1" "${MOM[@]}"
NOTE=$(field '.[0].id')
call 200 POST "/api/v1/me/notifications/$NOTE/read" "${MOM[@]}"
[ "$(field .read_at)" != null ]

echo "   documents: every version, the signed PDF, the public verification"
for _ in $(seq 1 60); do  # the new versions are signed within seconds
  call 200 GET "/api/v1/me/documents?status=valid" "${MOM[@]}" >/dev/null
  [ "$(field '[.[] | .rendered] | all')" = true ] && break
  sleep 1
done
call 200 GET "/api/v1/me/documents?status=valid" "${MOM[@]}"
echo "$BODY" | jq -r '.[] | [.kind, .number, .version, .status, (.subject_name // "-")] | @tsv'
[ "$(field '[.[] | "\(.kind) v\(.version)"] | join(",")')" = "kia v2,akta_kelahiran v2,kk v3,kia v1,akta_kelahiran v1" ]
AKTA=$(field '[.[] | select(.kind == "akta_kelahiran" and .version == 2)][0]')
PDF_URL=$(echo "$AKTA" | jq -r .pdf_url) VERIFY_URL=$(echo "$AKTA" | jq -r .verify_url)
curl -sS -D pdf-headers.txt -o akta.pdf "$API$PDF_URL" "${MOM[@]}"
cat pdf-headers.txt
grep -q "^HTTP/1.1 200" pdf-headers.txt && grep -qi "^Content-Type: application/pdf" pdf-headers.txt
[ "$(head -c 5 akta.pdf)" = "%PDF-" ]
echo "   the signature, checked by poppler with the city CA trusted in an NSS database"
curl -sS -o city-ca.pem "$API/.well-known/city-ca.pem"
mkdir nssdb && certutil -N -d sql:nssdb --empty-password && certutil -A -d sql:nssdb -n city-ca -t C,C,C -i city-ca.pem
pdfsig -nssdir sql:nssdb akta.pdf | tee pdfsig.txt
grep -q "Signature Validation: Signature is Valid." pdfsig.txt
grep -q "Certificate Validation: Certificate is Trusted." pdfsig.txt
call 200 GET "${VERIFY_URL#"$API"}"
[ "$(field .status)" = valid ] && [ "$(field .public.nama)" = "P. A. S." ] && [ "$(field .signed)" = true ]
call 404 GET "${VERIFY_URL#"$API"}x"
[ "$(field .reason)" = invalid_verification_token ]

echo "== 5. Complaints"
call 200 GET /api/v1/complaints/categories
[ "$(field '.[] | select(.code == "jalan_rusak") | .attributes[0].code')" = ukuran ]
# Any photo will do; this one is made here (a grey 64x48 JPEG) so the script needs no file of yours.
"$PY" -c "from PIL import Image; Image.new('RGB', (64, 48), (96, 96, 96)).save('lubang.jpg', quality=80)"
PHOTO=$(base64 -w0 lubang.jpg)
cat > complaint.json <<EOF
{
  "category_code": "jalan_rusak",
  "description": "Jalan berlubang di Jl. Sutomo depan SMA 2, sudah dua minggu. Sepeda motor sering terperosok.",
  "lat": 2.9595,
  "lon": 99.0687,
  "address": "Jl. Sutomo depan SMA Negeri 2",
  "privacy": "public",
  "attributes": {"ukuran": "sedang"},
  "photos": ["data:image/jpeg;base64,$PHOTO"]
}
EOF
call 201 POST /api/v1/complaints "${MOM[@]}" "${JSON[@]}" -H "Idempotency-Key: $(new_key kirim)" \
  --data-binary @complaint.json
NUMBER=$(field .number)
[ "$(field .state)" = submitted ] && [ "$(field .photos)" = 1 ]

echo "   refusals"
jq '.category_code = "kebakaran" | del(.attributes, .photos)' complaint.json > fire.json
call 422 POST /api/v1/complaints "${MOM[@]}" "${JSON[@]}" -H "Idempotency-Key: $(new_key kirim)" --data-binary @fire.json
[ "$(field .reason)" = emergency_call_112 ] && [ "$(field .call)" = 112 ]
jq '.lat = 3.5952 | .lon = 98.6722 | del(.photos)' complaint.json > medan.json
call 422 POST /api/v1/complaints "${MOM[@]}" "${JSON[@]}" -H "Idempotency-Key: $(new_key kirim)" --data-binary @medan.json
[ "$(field .reason)" = outside_city ]
jq '.attributes.ukuran = "raksasa" | del(.photos)' complaint.json > size.json
call 422 POST /api/v1/complaints "${MOM[@]}" "${JSON[@]}" -H "Idempotency-Key: $(new_key kirim)" --data-binary @size.json
[ "$(field .reason)" = invalid_attributes ]

echo "   the next resident who looks nearby finds it"
call 200 GET "/api/v1/complaints/nearby?category=jalan_rusak&lat=2.9597&lon=99.0690"
[ "$(field '.[0].number')" = "$NUMBER" ]

echo "   'me too': the father backs it; the reporter cannot"
call 200 POST "/api/v1/complaints/$NUMBER/follow" -H "Authorization: Bearer $FATHER"
[ "$(field .supporters)" = 1 ] && [ "$(field .following)" = true ]
call 409 POST "/api/v1/complaints/$NUMBER/follow" "${MOM[@]}"
[ "$(field .reason)" = own_complaint ]

echo "   follow the status"
call 200 GET "/api/v1/complaints/mine?page=1&page_size=20" -H "Authorization: Bearer $FATHER"
[ "$(field ".[] | select(.number == \"$NUMBER\") | .relation")" = follower ]
curl -sS -D status-headers.txt -o /dev/null "$API/api/v1/complaints/$NUMBER"
ETAG=$(grep -i '^etag:' status-headers.txt | cut -d' ' -f2 | tr -d '\r')
call 200 GET "/api/v1/complaints/$NUMBER"
[ "$(field .access)" = public ] && [ "$(field .reporter_display)" = "Siti S." ]
call 304 GET "/api/v1/complaints/$NUMBER" -H "If-None-Match: $ETAG"
call 200 GET "/api/v1/complaints/$NUMBER" "${MOM[@]}"
[ "$(field .access)" = reporter ]
echo "mobile guide: every step answered as documented"
