/**
 * Stringprep (RFC 3454) profiles used by XMPP addresses: Nodeprep (RFC 6122 appendix A) for the
 * localpart and Nameprep (RFC 3491) for the domainpart, plus a check that text is safe in XML.
 *
 * Why hand-built: node-stringprep needs a native ICU build that does not happen here (its JS
 * fallback only lower-cases), and @mongodb-js/saslprep keeps its tables in files that its
 * package "exports" do not expose. The tables below are RFC 3454's (Unicode 3.2), generated from
 * CPython's stringprep module (which carries the Unicode 3.2 database) and cross-checked against
 * @mongodb-js/saslprep's copies. Table B.2 is computed (see `foldCodePoint`).
 */
import { isIPv6 } from 'node:net';

// Space-separated hex code points / inclusive ranges, as listed in RFC 3454.

/** A.1: unassigned in Unicode 3.2 (noncharacters are in C.4, not here). */
const TABLE_A1 = `
0221 0234-024F 02AE-02AF 02EF-02FF 0350-035F 0370-0373 0376-0379 037B-037D 037F-0383 038B 038D
03A2 03CF 03F7-03FF 0487 04CF 04F6-04F7 04FA-04FF 0510-0530 0557-0558 0560 0588 058B-0590 05A2
05BA 05C5-05CF 05EB-05EF 05F5-060B 060D-061A 061C-061E 0620 063B-063F 0656-065F 06EE-06EF 06FF
070E 072D-072F 074B-077F 07B2-0900 0904 093A-093B 094E-094F 0955-0957 0971-0980 0984 098D-098E
0991-0992 09A9 09B1 09B3-09B5 09BA-09BB 09BD 09C5-09C6 09C9-09CA 09CE-09D6 09D8-09DB 09DE
09E4-09E5 09FB-0A01 0A03-0A04 0A0B-0A0E 0A11-0A12 0A29 0A31 0A34 0A37 0A3A-0A3B 0A3D 0A43-0A46
0A49-0A4A 0A4E-0A58 0A5D 0A5F-0A65 0A75-0A80 0A84 0A8C 0A8E 0A92 0AA9 0AB1 0AB4 0ABA-0ABB 0AC6
0ACA 0ACE-0ACF 0AD1-0ADF 0AE1-0AE5 0AF0-0B00 0B04 0B0D-0B0E 0B11-0B12 0B29 0B31 0B34-0B35
0B3A-0B3B 0B44-0B46 0B49-0B4A 0B4E-0B55 0B58-0B5B 0B5E 0B62-0B65 0B71-0B81 0B84 0B8B-0B8D 0B91
0B96-0B98 0B9B 0B9D 0BA0-0BA2 0BA5-0BA7 0BAB-0BAD 0BB6 0BBA-0BBD 0BC3-0BC5 0BC9 0BCE-0BD6
0BD8-0BE6 0BF3-0C00 0C04 0C0D 0C11 0C29 0C34 0C3A-0C3D 0C45 0C49 0C4E-0C54 0C57-0C5F 0C62-0C65
0C70-0C81 0C84 0C8D 0C91 0CA9 0CB4 0CBA-0CBD 0CC5 0CC9 0CCE-0CD4 0CD7-0CDD 0CDF 0CE2-0CE5
0CF0-0D01 0D04 0D0D 0D11 0D29 0D3A-0D3D 0D44-0D45 0D49 0D4E-0D56 0D58-0D5F 0D62-0D65 0D70-0D81
0D84 0D97-0D99 0DB2 0DBC 0DBE-0DBF 0DC7-0DC9 0DCB-0DCE 0DD5 0DD7 0DE0-0DF1 0DF5-0E00 0E3B-0E3E
0E5C-0E80 0E83 0E85-0E86 0E89 0E8B-0E8C 0E8E-0E93 0E98 0EA0 0EA4 0EA6 0EA8-0EA9 0EAC 0EBA
0EBE-0EBF 0EC5 0EC7 0ECE-0ECF 0EDA-0EDB 0EDE-0EFF 0F48 0F6B-0F70 0F8C-0F8F 0F98 0FBD 0FCD-0FCE
0FD0-0FFF 1022 1028 102B 1033-1035 103A-103F 105A-109F 10C6-10CF 10F9-10FA 10FC-10FF 115A-115E
11A3-11A7 11FA-11FF 1207 1247 1249 124E-124F 1257 1259 125E-125F 1287 1289 128E-128F 12AF 12B1
12B6-12B7 12BF 12C1 12C6-12C7 12CF 12D7 12EF 130F 1311 1316-1317 131F 1347 135B-1360 137D-139F
13F5-1400 1677-167F 169D-169F 16F1-16FF 170D 1715-171F 1737-173F 1754-175F 176D 1771 1774-177F
17DD-17DF 17EA-17FF 180F 181A-181F 1878-187F 18AA-1DFF 1E9C-1E9F 1EFA-1EFF 1F16-1F17 1F1E-1F1F
1F46-1F47 1F4E-1F4F 1F58 1F5A 1F5C 1F5E 1F7E-1F7F 1FB5 1FC5 1FD4-1FD5 1FDC 1FF0-1FF1 1FF5 1FFF
2053-2056 2058-205E 2064-2069 2072-2073 208F-209F 20B2-20CF 20EB-20FF 213B-213C 214C-2152
2184-218F 23CF-23FF 2427-243F 244B-245F 24FF 2614-2615 2618 267E-267F 268A-2700 2705 270A-270B
2728 274C 274E 2753-2755 2757 275F-2760 2795-2797 27B0 27BF-27CF 27EC-27EF 2B00-2E7F 2E9A
2EF4-2EFF 2FD6-2FEF 2FFC-2FFF 3040 3097-3098 3100-3104 312D-3130 318F 31B8-31EF 321D-321F
3244-3250 327C-327E 32CC-32CF 32FF 3377-337A 33DE-33DF 33FF 4DB6-4DFF 9FA6-9FFF A48D-A48F
A4C7-ABFF D7A4-D7FF FA2E-FA2F FA6B-FAFF FB07-FB12 FB18-FB1C FB37 FB3D FB3F FB42 FB45 FBB2-FBD2
FD40-FD4F FD90-FD91 FDC8-FDCF FDFD-FDFF FE10-FE1F FE24-FE2F FE47-FE48 FE53 FE67 FE6C-FE6F FE75
FEFD-FEFE FF00 FFBF-FFC1 FFC8-FFC9 FFD0-FFD1 FFD8-FFD9 FFDD-FFDF FFE7 FFEF-FFF8 10000-102FF
1031F 10324-1032F 1034B-103FF 10426-10427 1044E-1CFFF 1D0F6-1D0FF 1D127-1D129 1D1DE-1D3FF 1D455
1D49D 1D4A0-1D4A1 1D4A3-1D4A4 1D4A7-1D4A8 1D4AD 1D4BA 1D4BC 1D4C1 1D4C4 1D506 1D50B-1D50C 1D515
1D51D 1D53A 1D53F 1D545 1D547-1D549 1D551 1D6A4-1D6A7 1D7CA-1D7CD 1D800-1FFFD 2A6D7-2F7FF
2FA1E-2FFFD 30000-3FFFD 40000-4FFFD 50000-5FFFD 60000-6FFFD 70000-7FFFD 80000-8FFFD 90000-9FFFD
A0000-AFFFD B0000-BFFFD C0000-CFFFD D0000-DFFFD E0000 E0002-E001F E0080-EFFFD`;

/** B.1: commonly mapped to nothing. */
const TABLE_B1 = `00AD 034F 1806 180B-180D 200B-200D 2060 FE00-FE0F FEFF`;

/** C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9 (C.1.1, U+0020, is handled apart). */
const TABLE_C = `
0000-001F 007F-00A0 0340-0341 06DD 070F 1680 180E 2000-200F 2028-202F 205F-2063 206A-206F
2FF0-2FFB 3000 D800-F8FF FDD0-FDEF FEFF FFF9-FFFF 1D173-1D17A 1FFFE-1FFFF 2FFFE-2FFFF
3FFFE-3FFFF 4FFFE-4FFFF 5FFFE-5FFFF 6FFFE-6FFFF 7FFFE-7FFFF 8FFFE-8FFFF 9FFFE-9FFFF AFFFE-AFFFF
BFFFE-BFFFF CFFFE-CFFFF DFFFE-DFFFF E0001 E0020-E007F EFFFE-10FFFF`;

/** D.1: characters with bidirectional property R or AL. */
const TABLE_D1 = `
05BE 05C0 05C3 05D0-05EA 05F0-05F4 061B 061F 0621-063A 0640-064A 066D-066F 0671-06D5 06DD
06E5-06E6 06FA-06FE 0700-070D 0710 0712-072C 0780-07A5 07B1 200F FB1D FB1F-FB28 FB2A-FB36
FB38-FB3C FB3E FB40-FB41 FB43-FB44 FB46-FBB1 FBD3-FD3D FD50-FD8F FD92-FDC7 FDF0-FDFC FE70-FE74
FE76-FEFC`;

/** D.2: characters with bidirectional property L. */
const TABLE_D2 = `
0041-005A 0061-007A 00AA 00B5 00BA 00C0-00D6 00D8-00F6 00F8-0220 0222-0233 0250-02AD 02B0-02B8
02BB-02C1 02D0-02D1 02E0-02E4 02EE 037A 0386 0388-038A 038C 038E-03A1 03A3-03CE 03D0-03F5
0400-0482 048A-04CE 04D0-04F5 04F8-04F9 0500-050F 0531-0556 0559-055F 0561-0587 0589 0903
0905-0939 093D-0940 0949-094C 0950 0958-0961 0964-0970 0982-0983 0985-098C 098F-0990 0993-09A8
09AA-09B0 09B2 09B6-09B9 09BE-09C0 09C7-09C8 09CB-09CC 09D7 09DC-09DD 09DF-09E1 09E6-09F1
09F4-09FA 0A05-0A0A 0A0F-0A10 0A13-0A28 0A2A-0A30 0A32-0A33 0A35-0A36 0A38-0A39 0A3E-0A40
0A59-0A5C 0A5E 0A66-0A6F 0A72-0A74 0A83 0A85-0A8B 0A8D 0A8F-0A91 0A93-0AA8 0AAA-0AB0 0AB2-0AB3
0AB5-0AB9 0ABD-0AC0 0AC9 0ACB-0ACC 0AD0 0AE0 0AE6-0AEF 0B02-0B03 0B05-0B0C 0B0F-0B10 0B13-0B28
0B2A-0B30 0B32-0B33 0B36-0B39 0B3D-0B3E 0B40 0B47-0B48 0B4B-0B4C 0B57 0B5C-0B5D 0B5F-0B61
0B66-0B70 0B83 0B85-0B8A 0B8E-0B90 0B92-0B95 0B99-0B9A 0B9C 0B9E-0B9F 0BA3-0BA4 0BA8-0BAA
0BAE-0BB5 0BB7-0BB9 0BBE-0BBF 0BC1-0BC2 0BC6-0BC8 0BCA-0BCC 0BD7 0BE7-0BF2 0C01-0C03 0C05-0C0C
0C0E-0C10 0C12-0C28 0C2A-0C33 0C35-0C39 0C41-0C44 0C60-0C61 0C66-0C6F 0C82-0C83 0C85-0C8C
0C8E-0C90 0C92-0CA8 0CAA-0CB3 0CB5-0CB9 0CBE 0CC0-0CC4 0CC7-0CC8 0CCA-0CCB 0CD5-0CD6 0CDE
0CE0-0CE1 0CE6-0CEF 0D02-0D03 0D05-0D0C 0D0E-0D10 0D12-0D28 0D2A-0D39 0D3E-0D40 0D46-0D48
0D4A-0D4C 0D57 0D60-0D61 0D66-0D6F 0D82-0D83 0D85-0D96 0D9A-0DB1 0DB3-0DBB 0DBD 0DC0-0DC6
0DCF-0DD1 0DD8-0DDF 0DF2-0DF4 0E01-0E30 0E32-0E33 0E40-0E46 0E4F-0E5B 0E81-0E82 0E84 0E87-0E88
0E8A 0E8D 0E94-0E97 0E99-0E9F 0EA1-0EA3 0EA5 0EA7 0EAA-0EAB 0EAD-0EB0 0EB2-0EB3 0EBD 0EC0-0EC4
0EC6 0ED0-0ED9 0EDC-0EDD 0F00-0F17 0F1A-0F34 0F36 0F38 0F3E-0F47 0F49-0F6A 0F7F 0F85 0F88-0F8B
0FBE-0FC5 0FC7-0FCC 0FCF 1000-1021 1023-1027 1029-102A 102C 1031 1038 1040-1057 10A0-10C5
10D0-10F8 10FB 1100-1159 115F-11A2 11A8-11F9 1200-1206 1208-1246 1248 124A-124D 1250-1256 1258
125A-125D 1260-1286 1288 128A-128D 1290-12AE 12B0 12B2-12B5 12B8-12BE 12C0 12C2-12C5 12C8-12CE
12D0-12D6 12D8-12EE 12F0-130E 1310 1312-1315 1318-131E 1320-1346 1348-135A 1361-137C 13A0-13F4
1401-1676 1681-169A 16A0-16F0 1700-170C 170E-1711 1720-1731 1735-1736 1740-1751 1760-176C
176E-1770 1780-17B6 17BE-17C5 17C7-17C8 17D4-17DA 17DC 17E0-17E9 1810-1819 1820-1877 1880-18A8
1E00-1E9B 1EA0-1EF9 1F00-1F15 1F18-1F1D 1F20-1F45 1F48-1F4D 1F50-1F57 1F59 1F5B 1F5D 1F5F-1F7D
1F80-1FB4 1FB6-1FBC 1FBE 1FC2-1FC4 1FC6-1FCC 1FD0-1FD3 1FD6-1FDB 1FE0-1FEC 1FF2-1FF4 1FF6-1FFC
200E 2071 207F 2102 2107 210A-2113 2115 2119-211D 2124 2126 2128 212A-212D 212F-2131 2133-2139
213D-213F 2145-2149 2160-2183 2336-237A 2395 249C-24E9 3005-3007 3021-3029 3031-3035 3038-303C
3041-3096 309D-309F 30A1-30FA 30FC-30FF 3105-312C 3131-318E 3190-31B7 31F0-321C 3220-3243
3260-327B 327F-32B0 32C0-32CB 32D0-32FE 3300-3376 337B-33DD 33E0-33FE 3400-4DB5 4E00-9FA5
A000-A48C AC00-D7A3 D800-FA2D FA30-FA6A FB00-FB06 FB13-FB17 FF21-FF3A FF41-FF5A FF66-FFBE
FFC2-FFC7 FFCA-FFCF FFD2-FFD7 FFDA-FFDC 10300-1031E 10320-10323 10330-1034A 10400-10425
10428-1044D 1D000-1D0F5 1D100-1D126 1D12A-1D166 1D16A-1D172 1D183-1D184 1D18C-1D1A9 1D1AE-1D1DD
1D400-1D454 1D456-1D49C 1D49E-1D49F 1D4A2 1D4A5-1D4A6 1D4A9-1D4AC 1D4AE-1D4B9 1D4BB 1D4BD-1D4C0
1D4C2-1D4C3 1D4C5-1D505 1D507-1D50A 1D50D-1D514 1D516-1D51C 1D51E-1D539 1D53B-1D53E 1D540-1D544
1D546 1D54A-1D550 1D552-1D6A3 1D6A8-1D7C9 20000-2A6D6 2F800-2FA1D F0000-FFFFD 100000-10FFFD`;

/** Inclusive code point ranges, searched by bisection. */
class CodePointSet {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  constructor(spec: string) {
    for (const item of spec.trim().split(/\s+/)) {
      const [from = '', to = from] = item.split('-');
      this.#starts.push(parseInt(from, 16));
      this.#ends.push(parseInt(to, 16));
    }
  }

  has(cp: number): boolean {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cp < (this.#starts[mid] ?? 0)) hi = mid - 1;
      else if (cp > (this.#ends[mid] ?? 0)) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const UNASSIGNED = new CodePointSet(TABLE_A1);
const MAPPED_TO_NOTHING = new CodePointSet(TABLE_B1);
const PROHIBITED = new CodePointSet(TABLE_C);
const BIDI_R_AL = new CodePointSet(TABLE_D1);
const BIDI_L = new CodePointSet(TABLE_D2);

/**
 * Code points that B.2 leaves alone although toUpperCase().toLowerCase() changes them: U+0131
 * (full case folding keeps dotless i), and Unicode 3.2 letters that gained a case partner only in
 * later Unicode versions (Georgian capitals, Cherokee, U+2132, U+2183).
 */
const FOLD_KEEPS = new CodePointSet(`0131 10A0-10C5 13A0-13F4 2132 2183`);

const foldCache = new Map<number, string>();

/**
 * Table B.2 ships nowhere importable, so it is computed: full case folding is
 * toUpperCase().toLowerCase() per code point (one at a time, so final-sigma rules never apply),
 * except FOLD_KEEPS. `prepare` runs fold → NFKC → fold → NFKC, which yields B.2's NFKC-closure
 * entries (U+2121 → "tel", U+33C6 → "c∕kg", …).
 */
function foldCodePoint(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp);
  let folded = foldCache.get(cp);
  if (folded === undefined) {
    const ch = String.fromCodePoint(cp);
    folded = FOLD_KEEPS.has(cp) ? ch : ch.toUpperCase().toLowerCase();
    foldCache.set(cp, folded);
  }
  return folded;
}

function fold(text: string): string {
  let out = '';
  for (const ch of text) out += foldCodePoint(ch.codePointAt(0) ?? 0);
  return out;
}

/** Code points of `text`, or undefined when it holds an unpaired surrogate. */
function codePoints(text: string): number[] | undefined {
  const cps: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) return undefined;
    cps.push(cp);
  }
  return cps;
}

/** Longest prepared part RFC 6122 allows, in UTF-8 bytes. */
const MAX_PART_BYTES = 1023;
/** Bounds the work done on hostile input; no longer input can sensibly prepare to 1023 bytes. */
const MAX_INPUT_UNITS = 4 * MAX_PART_BYTES;

/** C.1.1 (space) and RFC 6122's extra Nodeprep prohibitions: " & ' / : < > @ */
const NODEPREP_EXTRA = new Set([0x20, 0x22, 0x26, 0x27, 0x2f, 0x3a, 0x3c, 0x3e, 0x40]);
const NO_EXTRA: ReadonlySet<number> = new Set();

/**
 * Text that every step leaves as it is and neither profile prohibits:
 * lower-case ASCII letters, digits, '.', '-' and '_' (most user and host
 * names). Such input skips the table walks and normalisations.
 */
const UNCHANGED_ASCII = /^[a-z0-9._-]+$/;

/** RFC 3454 steps (map B.1 + B.2, NFKC, prohibit, bidi, unassigned), shared by both profiles. */
function prepare(input: string, extraProhibited: ReadonlySet<number>): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT_UNITS) {
    return undefined;
  }
  if (UNCHANGED_ASCII.test(input)) return input;
  const cps = codePoints(input);
  // Checked on the input too: Node's Unicode is newer than 3.2 and would map some of them.
  if (cps === undefined || cps.some((cp) => UNASSIGNED.has(cp))) return undefined;

  let mapped = '';
  for (const cp of cps) if (!MAPPED_TO_NOTHING.has(cp)) mapped += foldCodePoint(cp);
  // Node's NFKC is newer than 3.2; for 3.2 text it differs only on five CJK compatibility
  // ideographs (U+2F868 U+2F874 U+2F91F U+2F95F U+2F9BF) fixed by Unicode Corrigendum #4.
  const output = fold(mapped.normalize('NFKC')).normalize('NFKC');

  const out = codePoints(output);
  if (out === undefined || out.length === 0) return undefined;
  let hasRandAL = false;
  let hasL = false;
  for (const cp of out) {
    if (PROHIBITED.has(cp) || UNASSIGNED.has(cp) || extraProhibited.has(cp)) return undefined;
    if (BIDI_R_AL.has(cp)) hasRandAL = true;
    else if (BIDI_L.has(cp)) hasL = true;
  }
  // RFC 3454 §6: no RandALCat with LCat, and RandALCat strings start and end with one.
  if (hasRandAL) {
    if (hasL || !BIDI_R_AL.has(out[0] ?? 0) || !BIDI_R_AL.has(out[out.length - 1] ?? 0)) {
      return undefined;
    }
  }
  return output;
}

function fitsPart(text: string): boolean {
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes >= 1 && bytes <= MAX_PART_BYTES;
}

/**
 * Nodeprep (RFC 6122 appendix A) of a JID localpart: case-folded, NFKC, 1..1023 UTF-8 bytes.
 * Undefined when the name cannot be a localpart.
 */
export function nodeprep(input: string): string | undefined {
  const prepared = prepare(input, NODEPREP_EXTRA);
  return prepared !== undefined && fitsPart(prepared) ? prepared : undefined;
}

/** RFC 3492 Punycode, used only to measure a label's ACE length. */
function punycode(cps: readonly number[]): string {
  const base = 36;
  const tMin = 1;
  const tMax = 26;
  const digit = (d: number): string => String.fromCharCode(d < 26 ? d + 0x61 : d + 0x16);
  const adapt = (delta: number, points: number, first: boolean): number => {
    let d = first ? Math.floor(delta / 700) : delta >> 1;
    d += Math.floor(d / points);
    let k = 0;
    for (; d > ((base - tMin) * tMax) >> 1; k += base) d = Math.floor(d / (base - tMin));
    return k + Math.floor(((base - tMin + 1) * d) / (d + 38));
  };

  let output = String.fromCharCode(...cps.filter((cp) => cp < 0x80));
  const basic = output.length;
  if (basic > 0) output += '-';
  let n = 0x80;
  let delta = 0;
  let bias = 72;
  for (let handled = basic; handled < cps.length; delta++, n++) {
    const m = Math.min(...cps.filter((cp) => cp >= n));
    delta += (m - n) * (handled + 1);
    n = m;
    for (const cp of cps) {
      if (cp < n) delta++;
      if (cp !== n) continue;
      let q = delta;
      for (let k = base; ; k += base) {
        const t = k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias;
        if (q < t) break;
        output += digit(t + ((q - t) % (base - t)));
        q = Math.floor((q - t) / (base - t));
      }
      output += digit(q);
      bias = adapt(delta, handled + 1, handled === basic);
      delta = 0;
      handled++;
    }
  }
  return output;
}

const LDH = /^[a-z0-9-]$/;

/**
 * One label as IDNA2003 ToASCII (UseSTD3ASCIIRules, AllowUnassigned off) would take it, which
 * RFC 6122 §2.2 requires to succeed. Returns the nameprepped (Unicode) label.
 */
function prepareLabel(label: string): string | undefined {
  const prepared = prepare(label, NO_EXTRA);
  if (prepared === undefined) return undefined;
  const cps = codePoints(prepared) ?? [];
  if (cps.some((cp) => cp < 0x80 && !LDH.test(String.fromCharCode(cp)))) return undefined;
  if (prepared.startsWith('-') || prepared.endsWith('-')) return undefined;
  if (cps.every((cp) => cp < 0x80)) return prepared.length <= 63 ? prepared : undefined;
  if (prepared.startsWith('xn--')) return undefined;
  return 4 + punycode(cps).length <= 63 ? prepared : undefined;
}

/**
 * Nameprep (RFC 3491) of a JID domainpart, label by label (IDNA label separators accepted, one
 * trailing dot dropped per RFC 6122 §2.2), with the STD3 rules XMPP asks for; a bracketed IPv6
 * literal is also accepted. Undefined when the name cannot be a domainpart.
 */
export function nameprep(input: string): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT_UNITS) {
    return undefined;
  }
  if (input.startsWith('[') && input.endsWith(']')) {
    const address = input.slice(1, -1);
    return isIPv6(address) ? `[${address.toLowerCase()}]` : undefined;
  }
  const labels = input.replace(/[\u3002\uff0e\uff61]/g, '.').replace(/\.$/, '').split('.');
  const prepared: string[] = [];
  for (const label of labels) {
    const result = prepareLabel(label);
    if (result === undefined) return undefined;
    prepared.push(result);
  }
  const name = prepared.join('.');
  return fitsPart(name) ? name : undefined;
}

/**
 * Why `input` cannot be sent as XML 1.0 character data (or cannot safely reach ejabberd, which
 * closes the whole stream on a control character); undefined when it can. Never echoes the text.
 */
export function unsafeTextReason(input: string): string | undefined {
  if (typeof input !== 'string') return 'is not text';
  for (let i = 0; i < input.length; i++) {
    const unit = input.charCodeAt(i);
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return 'contains a control character';
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = input.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'contains an unpaired surrogate';
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return 'contains an unpaired surrogate';
    } else if (unit === 0xfffe || unit === 0xffff) {
      return 'contains a non-character';
    }
  }
  return undefined;
}
