#!/usr/bin/env bash
# docs/open311.md, step by step: discovery, services, post a request (api_key and bearer), the errors,
# read it back by number and by token. Run against a fresh `make run` (API=http://127.0.0.1:8000).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
O=/open311/v2
KEY=open311-demo:demo-open311-secret

echo "== 1. Discovery and services"
call 200 GET $O/discovery.json
field '.endpoints[0].formats | index("text/xml")' >/dev/null
call 200 GET $O/services.json
field '.[] | select(.service_code == "jalan_rusak") | .metadata' >/dev/null
call 200 GET $O/services.xml
call 200 GET $O/services/jalan_rusak.json
field '.attributes[] | select(.code == "ukuran") | .required' >/dev/null

echo "== 2. Post a service request (api_key = client_id:client_secret)"
call 200 POST $O/requests.json --data-urlencode "api_key=$KEY" \
  -d service_code=jalan_rusak -d lat=2.9612 -d long=99.0621 \
  --data-urlencode "address_string=Jl. Merdeka depan Siantar Hotel" \
  --data-urlencode "description=Lubang besar di lajur kiri, berbahaya untuk sepeda motor" \
  --data-urlencode "attribute[ukuran]=besar" \
  -d first_name=Andi -d last_name=Sitorus --data-urlencode "phone=0813-7000-1234" -d email=andi@example.org
POTHOLE=$(field '.[0].service_request_id')
POTHOLE_TOKEN=$(field '.[0].token')

call 200 POST $O/requests.xml --data-urlencode "api_key=$KEY" \
  -d service_code=sampah -d address_id=12.72.01.1001 --data-urlencode "address_string=Jl. Sutomo, Kebun Sayur" \
  --data-urlencode "description=Sampah menumpuk di TPS tiga hari"
grep -q "<service_request_id>" "$WORK/body"

echo "== 3. Or with a client-credentials token"
call 200 POST /api/v1/auth/token -d grant_type=client_credentials \
  -d client_id=open311-demo -d client_secret=demo-open311-secret
TOKEN=$(field .access_token)
call 200 POST $O/requests.json -H "Authorization: Bearer $TOKEN" -d service_code=lampu_jalan \
  -d lat=2.9571 -d long=99.0703 --data-urlencode "description=Tiga lampu jalan mati berturut-turut" \
  --data-urlencode "attribute[nomor_tiang]=ST-204"

echo "== 4. Errors: GeoReport arrays"
call 403 POST $O/requests.json -d service_code=sampah -d lat=2.96 -d long=99.06 -d description=x
field '.[0].code' >/dev/null
call 403 POST $O/requests.xml -d api_key=open311-demo:salah -d service_code=sampah -d lat=2.96 -d long=99.06
call 400 POST $O/requests.json --data-urlencode "api_key=$KEY" -d service_code=jalan_rusak \
  -d lat=2.96 -d long=99.06 -d 'attribute[ukuran]=raksasa' -d 'attribute[warna]=merah'
call 400 POST $O/requests.json --data-urlencode "api_key=$KEY" -d service_code=sampah \
  -d lat=3.5952 -d long=98.6722 -d description=Sampah
call 415 POST $O/requests.json -H "Content-Type: application/json" -d '{"service_code": "sampah"}'

echo "== 5. Read requests back"
call 200 GET "$O/requests.json?service_request_id=$POTHOLE"
[ "$(field '.[0].service_code')" = jalan_rusak ]
call 200 GET "$O/requests/$POTHOLE.xml"
call 404 GET $O/requests/99999999999.json
call 400 GET "$O/requests.json?start_date=kemarin"
call 200 GET "$O/tokens/$POTHOLE_TOKEN.json"
[ "$(field '.[0].service_request_id')" = "$POTHOLE" ]
echo "open311 guide: every step answered as documented"
