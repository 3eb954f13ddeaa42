#!/usr/bin/env bash
# docs/hospital.md, step by step: token, a birth as JSON, retries with Idempotency-Key, a duplicate, a
# mismatching mother, the twin as a FHIR Bundle and the FHIR errors, polling until issued, the error
# bodies, a death and its errors, the Python client. Run first, against a fresh `make run` (API=...).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

echo "== 2. Access token (OAuth2 client credentials)"
call 200 POST /api/v1/auth/token -u rsud-djasamen:demo-hospital-secret -d grant_type=client_credentials
call 200 POST /api/v1/auth/token -d grant_type=client_credentials -d client_id=rsud-djasamen \
  -d client_secret=demo-hospital-secret
call 401 POST /api/v1/auth/token -u rsud-djasamen:wrong -d grant_type=client_credentials
[ "$(field .reason)" = invalid_client ]
call 200 POST /api/v1/auth/token -u rsud-djasamen:demo-hospital-secret -d grant_type=client_credentials
TOKEN=$(field .access_token)
AUTH=(-H "Authorization: Bearer $TOKEN")

echo "== 3. Report a birth (plain JSON)"
BORN=$(TZ=Asia/Jakarta date -d '-1 hour' +%Y-%m-%dT%H:%M:00+07:00)
BIRTH_DATE=${BORN%%T*}
REF=RM-$(date +%Y)-$RANDOM$RANDOM
cat > birth.json <<JSON
{
  "child_name": "By. Ny. Siti Rahma",
  "sex": "P",
  "born_at": "$BORN",
  "birth_place": "PEMATANGSIANTAR",
  "weight_grams": 3150,
  "length_cm": 49.5,
  "multiple_birth_order": 1,
  "attendant": "dr. Sari Lubis, Sp.OG",
  "mother_nik": "1272015203959001",
  "mother_name": "Siti Rahma Siregar",
  "mother_birth_date": "1995-03-12",
  "father_nik": "1272010807929001",
  "hospital_reference": "$REF"
}
JSON
BIRTH_KEY=$(new_key rsud-djasamen:birth:$REF)
call 201 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $BIRTH_KEY" --data-binary @birth.json
BIRTH=$(field .id)
[ "$(field .state)" = registered ] && [ "$(field .child_name)" = null ]
field .child_nik >/dev/null && field .akta_number >/dev/null

echo "   a mother's name and birth date that do not match the registry"
sed -e 's/"Siti Rahma Siregar"/"Siti Rahmah Siregar"/' -e 's/1995-03-12/1995-03-21/' \
  -e "s/$REF/$REF-MM/" birth.json > birth-mm.json
call 422 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:$REF-MM)" --data-binary @birth-mm.json
[ "$(field .reason)" = mother_mismatch ]

echo "== 4. Idempotency-Key: retry without fear"
curl -s -D headers.txt -o /dev/null -X POST "$API/api/v1/adminduk/births" "${AUTH[@]}" \
  -H "Content-Type: application/json" -H "Idempotency-Key: $BIRTH_KEY" --data-binary @birth.json
grep -qi "^Idempotent-Replayed: true" headers.txt && echo "replayed: the first answer again"
sed 's/3150/3200/' birth.json > birth-changed.json
call 422 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $BIRTH_KEY" --data-binary @birth-changed.json
[ "$(field .reason)" = idempotency_key_reused ]
call 400 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" --data-binary @birth.json
[ "$(field .reason)" = idempotency_key_required ]
call 409 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:$REF-again)" --data-binary @birth.json
[ "$(field .reason)" = duplicate_birth ] && [ "$(field .existing_id)" = "$BIRTH" ]

echo "== 5. Twins are not duplicates; 6. the twin brother as an HL7 FHIR R4 Bundle"
cat > twin-bundle.json <<EOF
{
  "resourceType": "Bundle",
  "type": "transaction",
  "identifier": {"system": "http://sys-ids.kemkes.go.id/bundle/1272011", "value": "BND-$REF-2"},
  "entry": [
    {
      "fullUrl": "urn:uuid:6f1c7a62-3d0e-4b51-9a4e-0c1f7e2a9b10",
      "resource": {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik-ibu", "value": "1272015203959001"}],
        "active": true,
        "name": [{"use": "official", "text": "Putra Anugrah Simanjuntak"}],
        "gender": "male",
        "birthDate": "$BIRTH_DATE",
        "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                      "valueDateTime": "$BORN"}]},
        "multipleBirthInteger": 2
      },
      "request": {"method": "POST", "url": "Patient"}
    },
    {
      "fullUrl": "urn:uuid:0d9a4a3e-8f5b-4c1e-a1c7-5b2f3e4d6a70",
      "resource": {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik", "value": "1272015203959001"}],
        "name": [{"use": "official", "text": "SITI RAHMA SIREGAR"}],
        "gender": "female",
        "birthDate": "1995-03-12"
      },
      "request": {"method": "POST", "url": "Patient"}
    },
    {
      "fullUrl": "urn:uuid:2b7e1f44-6c3a-4d8e-9f10-a2b3c4d5e6f7",
      "resource": {
        "resourceType": "RelatedPerson",
        "patient": {"reference": "urn:uuid:6f1c7a62-3d0e-4b51-9a4e-0c1f7e2a9b10"},
        "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik", "value": "1272015203959001"}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                      "code": "MTH", "display": "mother"}]}]
      },
      "request": {"method": "POST", "url": "RelatedPerson"}
    },
    {
      "fullUrl": "urn:uuid:3c8f2a55-7d4b-4e9f-8a21-b3c4d5e6f708",
      "resource": {
        "resourceType": "RelatedPerson",
        "patient": {"reference": "urn:uuid:6f1c7a62-3d0e-4b51-9a4e-0c1f7e2a9b10"},
        "identifier": [{"system": "https://fhir.kemkes.go.id/id/nik", "value": "1272010807929001"}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                      "code": "FTH", "display": "father"}]}]
      },
      "request": {"method": "POST", "url": "RelatedPerson"}
    },
    {
      "fullUrl": "urn:uuid:4d9a3b66-8e5c-4fa0-9b32-c4d5e6f70819",
      "resource": {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP",
                  "display": "inpatient encounter"},
        "identifier": [{"system": "http://sys-ids.kemkes.go.id/encounter/1272011", "value": "$REF-2"}],
        "subject": {"reference": "urn:uuid:6f1c7a62-3d0e-4b51-9a4e-0c1f7e2a9b10"},
        "participant": [{"individual": {"display": "dr. Sari Lubis, Sp.OG"}}],
        "serviceProvider": {"identifier": {"system": "http://sys-ids.kemkes.go.id/organization",
                                           "value": "1272011"},
                            "display": "RSUD dr. Djasamen Saragih"}
      },
      "request": {"method": "POST", "url": "Encounter"}
    },
    {
      "fullUrl": "urn:uuid:5eab4c77-9f6d-40b1-8c43-d5e6f708192a",
      "resource": {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8339-4", "display": "Birth weight Measured"}]},
        "subject": {"reference": "urn:uuid:6f1c7a62-3d0e-4b51-9a4e-0c1f7e2a9b10"},
        "encounter": {"reference": "urn:uuid:4d9a3b66-8e5c-4fa0-9b32-c4d5e6f70819"},
        "effectiveDateTime": "$BORN",
        "valueQuantity": {"value": 2.9, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}
      },
      "request": {"method": "POST", "url": "Observation"}
    },
    {
      "fullUrl": "urn:uuid:6fbc5d88-a07e-41c2-9d54-e6f708192a3b",
      "resource": {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "89269-5",
                             "display": "Body height Measured --at birth"}]},
        "subject": {"reference": "urn:uuid:6f1c7a62-3d0e-4b51-9a4e-0c1f7e2a9b10"},
        "encounter": {"reference": "urn:uuid:4d9a3b66-8e5c-4fa0-9b32-c4d5e6f70819"},
        "effectiveDateTime": "$BORN",
        "valueQuantity": {"value": 48, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"}
      },
      "request": {"method": "POST", "url": "Observation"}
    }
  ]
}
EOF
FHIR=(-H "Content-Type: application/fhir+json")
call 201 POST /api/v1/adminduk/fhir/Bundle "${AUTH[@]}" "${FHIR[@]}" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:$REF-2)" --data-binary @twin-bundle.json
TWIN=$(field .id)
[ "$(field .child_name)" = "PUTRA ANUGRAH SIMANJUNTAK" ] && [ "$(field .multiple_birth_order)" = 2 ]

echo "   the FHIR errors: an OperationOutcome listing every problem, each with its FHIRPath"
jq '.entry[0].resource.gender = "unknown"
    | .entry[0].resource |= (del(.multipleBirthInteger) | .multipleBirthBoolean = true)
    | .entry[0].resource.identifier[0].value = "1272019913959001"
    | .entry[1].resource.identifier[0].value = "1272019913959001"
    | .entry |= map(select(.resource.resourceType != "Encounter"))
    | (.entry[] | select(.resource.code.coding[0].code == "8339-4") | .resource.valueQuantity.value) = 31.5' \
  twin-bundle.json > bad-bundle.json
call 422 POST /api/v1/adminduk/fhir/Bundle "${AUTH[@]}" "${FHIR[@]}" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:bad)" --data-binary @bad-bundle.json
[ "$(field .resourceType)" = OperationOutcome ]
[ "$(field '[.issue[].expression[0]] | index("Bundle.entry[0].resource.gender") != null')" = true ]
[ "$(field '[.issue[].expression[0]] | index("Bundle.entry[4].resource.valueQuantity") != null')" = true ]
jq '.entry[1].resource.name = [{"text": "SITI RAHMAH SIREGAR"}] | .entry[1].resource.birthDate = "1995-03"
    | .entry[0].resource.multipleBirthInteger = 3' twin-bundle.json > mm-bundle.json
call 422 POST /api/v1/adminduk/fhir/Bundle "${AUTH[@]}" "${FHIR[@]}" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:mm-bundle)" --data-binary @mm-bundle.json
[ "$(field '.issue | length')" = 1 ] && [ "$(field '.issue[0].expression[0]')" = "Bundle.entry[1].resource.name[0]" ]
field '.issue[0].diagnostics | startswith("mother_mismatch: ")' | grep -qx true
call 409 POST /api/v1/adminduk/fhir/Bundle "${AUTH[@]}" "${FHIR[@]}" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:$REF-2-again)" --data-binary @twin-bundle.json
[ "$(field '.issue[0].code')" = duplicate ] && field '.issue[0].diagnostics' | grep -q "$TWIN"

echo "== 7. Follow the registration until its signed documents are issued"
for _ in $(seq 1 60); do
  call 200 GET "/api/v1/adminduk/births/$BIRTH" "${AUTH[@]}" >/dev/null
  [ "$(field .state)" = issued ] && [ "$(field '[.documents[] | .rendered] | all')" = true ] && break
  sleep 1
done
call 200 GET "/api/v1/adminduk/births/$BIRTH" "${AUTH[@]}"
[ "$(field .state)" = issued ]
# the KK of this birth is already replaced: the twin's registration issued its next version
[ "$(field '[.documents[] | "\(.kind) v\(.version) \(.status)"] | join(",")')" = "akta_kelahiran v1 valid,kia v1 valid,kk v1 replaced" ]
call 403 GET "$(field '.documents[0].pdf_url')" "${AUTH[@]}"

echo "== 8. Errors: every problem listed, the first one's status and reason"
jq '.sex = "X" | .born_at = "2026-11-24 08:00" | .weight_grams = 31500 | .mother_nik = "12720152"
    | .mother_birth_date = "12-03-1995" | .ward = "Melati"' birth.json > birth-invalid.json
call 422 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:invalid)" --data-binary @birth-invalid.json
[ "$(field .reason)" = validation_failed ]
[ "$(field '.errors.json | keys | join(",")')" = born_at,mother_birth_date,mother_nik,sex,ward,weight_grams ]
jq '.mother_nik = "1272010807929001" | del(.mother_name, .mother_birth_date) | .facility_code = "1272031"
    | .multiple_birth_order = 3' birth.json > birth-wrong.json
call 403 POST /api/v1/adminduk/births "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:birth:wrong)" --data-binary @birth-wrong.json
[ "$(field .reason)" = facility_mismatch ]
[ "$(field '[.problems[].reason] | join(",")')" = facility_mismatch,mother_not_female,father_is_mother ]

echo "== 9. Report a death"
NIK=1272022109590001 NAME="Maruli Santoso" BD=1959-09-21  # README's demo table
DIED=$(TZ=Asia/Jakarta date -d '-30 min' +%Y-%m-%dT%H:%M:00+07:00)
cat > death.json <<JSON
{
  "nik": "$NIK",
  "full_name": "$NAME",
  "birth_date": "$BD",
  "died_at": "$DIED",
  "place": "RSUD dr. Djasamen Saragih",
  "cause": "Gagal jantung kongestif",
  "hospital_reference": "$REF-D"
}
JSON
sed -e 's/"Maruli Santoso"/"Maruli Santosa"/' -e 's/1959-09-21/1959-09-12/' death.json > death-mm.json
jq 'del(.full_name, .birth_date)' death.json > death-short.json
call 422 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:short)" --data-binary @death-short.json
[ "$(field .reason)" = validation_failed ] && [ "$(field '.errors.json | keys | join(",")')" = birth_date,full_name ]
call 422 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:mm)" --data-binary @death-mm.json
[ "$(field .reason)" = deceased_mismatch ]
call 201 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:$REF-D)" --data-binary @death.json
DEATH=$(field .id)
[ "$(field .state)" = registered ]
call 409 POST /api/v1/adminduk/deaths "${AUTH[@]}" -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(new_key rsud-djasamen:death:again)" --data-binary @death.json
[ "$(field .reason)" = already_deceased ] && [ "$(field .existing_id)" = "$DEATH" ]
call 200 GET "/api/v1/adminduk/deaths/$DEATH" "${AUTH[@]}"
[ "$(field '[.documents[] | .kind] | sort | join(",")')" = akta_kematian,kk ]

echo "== 10. The whole flow in one script (docs/examples/hospital_report_birth.py)"
PY=${PYTHON:-python3}
SCRIPT=$HERE/hospital_report_birth.py
BORN_PY=$BORN  # the girl of section 3 again, from another record number: followed, not registered twice
"$PY" "$SCRIPT" --base "$API" --born-at "$BORN_PY" --reference "$REF-py" | tee py-dup.txt
grep -q "^409 duplicate_birth: already reported as $BIRTH" py-dup.txt
expect_refused() {  # the script exits 1 and prints the reason
  if "$PY" "$SCRIPT" --base "$API" "$@" 2>py-err.txt; then echo "FAILED: accepted: $*" >&2; exit 1; fi
  cat py-err.txt
}
expect_refused --mother-name "Siti Rahmah" --order 3 --reference "$REF-130"
grep -q "reason=mother_mismatch" py-err.txt
expect_refused --fhir --mother-birth-date 1995-03-21 --order 3 --reference "$REF-131"
grep -q "mother_mismatch: The mother's birth date does not match the registry for this NIK  Bundle.entry\[1\].resource.birthDate" py-err.txt
expect_refused --mother-nik 1272010807929001 --mother-name "" --mother-birth-date "" --reference "$REF-133"
grep -q "reason=mother_not_female: 2 problems" py-err.txt
echo "hospital guide: every step answered as documented"
