import { expect } from 'chai';
import { nameprep, nodeprep, unsafeTextReason } from '../../src/contract/stringprep.js';

describe('nodeprep', () => {
  it('folds upper case and full-width forms', () => {
    expect(nodeprep('ＴＥst')).to.equal('test');
    expect(nodeprep('Ünïcödé')).to.equal('ünïcödé');
    expect(nodeprep('ALICE')).to.equal('alice');
  });

  it('uses full case folding, not lower-casing', () => {
    expect(nodeprep('Straße')).to.equal('strasse');
    expect(nodeprep('ß')).to.equal('ss');
    expect(nodeprep('ΣΑΣ')).to.equal('σασ');
    expect(nodeprep('\u0131')).to.equal('\u0131'); // dotless i is left alone by B.2
  });

  it('applies the NFKC closure of table B.2', () => {
    expect(nodeprep('\u2121')).to.equal('tel');
    expect(nodeprep('\u33c6')).to.equal('c\u2215kg');
    expect(nodeprep('\ufb01x')).to.equal('fix');
  });

  it('composes with NFKC', () => {
    expect(nodeprep('e\u0301')).to.equal('\u00e9');
  });

  it('maps table B.1 to nothing', () => {
    expect(nodeprep('ab\u00adc')).to.equal('abc');
    expect(nodeprep('a\u200bb\ufeff')).to.equal('ab');
    expect(nodeprep('\u00ad')).to.equal(undefined);
  });

  it('refuses each of the eight extra characters', () => {
    for (const ch of ['"', '&', "'", '/', ':', '<', '>', '@']) {
      expect(nodeprep(`a${ch}b`), JSON.stringify(ch)).to.equal(undefined);
    }
  });

  it('refuses space, tab, other controls, non-ASCII space and emoji', () => {
    for (const name of ['a b', 'a\tb', 'a\u0001b', 'a\u007fb', 'a\u0085b', 'a\u3000b', 'a😀b']) {
      expect(nodeprep(name), JSON.stringify(name)).to.equal(undefined);
    }
  });

  it('refuses code points unassigned in Unicode 3.2, private use and lone surrogates', () => {
    expect(nodeprep('a\u0221')).to.equal(undefined);
    expect(nodeprep('\u1e9e')).to.equal(undefined); // capital sharp s: Unicode 5.1
    expect(nodeprep('a\ue000')).to.equal(undefined);
    expect(nodeprep('a\ud800b')).to.equal(undefined);
    expect(nodeprep('a\udc00')).to.equal(undefined);
  });

  it('enforces the bidi rule', () => {
    expect(nodeprep('\u05d0\u05d1')).to.equal('\u05d0\u05d1');
    expect(nodeprep('\u05d0a')).to.equal(undefined);
    expect(nodeprep('\u05d01')).to.equal(undefined);
    expect(nodeprep('\u05d01\u05d1')).to.equal('\u05d01\u05d1');
    expect(nodeprep('a\u200fb')).to.equal(undefined);
  });

  it('allows 1 to 1023 bytes of UTF-8', () => {
    expect(nodeprep('')).to.equal(undefined);
    expect(nodeprep('a'.repeat(1023))).to.equal('a'.repeat(1023));
    expect(nodeprep('a'.repeat(1024))).to.equal(undefined);
    expect(nodeprep('é'.repeat(511) + 'a')).to.equal('é'.repeat(511) + 'a');
    expect(nodeprep('é'.repeat(512))).to.equal(undefined);
    expect(nodeprep('ß'.repeat(512))).to.equal(undefined); // 512 bytes in, 1024 out
  });
});

describe('nameprep', () => {
  it('lower-cases and keeps a valid name', () => {
    expect(nameprep('LocalHost')).to.equal('localhost');
    expect(nameprep('XMPP.Example.NET')).to.equal('xmpp.example.net');
    expect(nameprep('Bücher.Example')).to.equal('bücher.example');
    expect(nameprep('192.0.2.1')).to.equal('192.0.2.1');
  });

  it('drops a trailing dot and accepts IDNA label separators', () => {
    expect(nameprep('example.net.')).to.equal('example.net');
    expect(nameprep('example\u3002net')).to.equal('example.net');
  });

  it('accepts a bracketed IPv6 literal', () => {
    expect(nameprep('[2001:DB8::1]')).to.equal('[2001:db8::1]');
    expect(nameprep('[nope]')).to.equal(undefined);
  });

  it('refuses what cannot be a domain name', () => {
    for (const name of [
      '',
      '.',
      'exa mple.net',
      'a..b',
      'ex_ample.net',
      'user@example.net',
      'example.net/res',
      '-a.net',
      'a-.net',
      'a\u0001.net',
      'a\ue000.net',
      '\u05d0a.net',
    ]) {
      expect(nameprep(name), JSON.stringify(name)).to.equal(undefined);
    }
  });

  it('limits labels to 63 octets once in ASCII form', () => {
    expect(nameprep(`${'a'.repeat(63)}.net`)).to.equal(`${'a'.repeat(63)}.net`);
    expect(nameprep(`${'a'.repeat(64)}.net`)).to.equal(undefined);
    // "xn--" + Punycode of 55 × 'a' and one 'ü' is 63 octets; one more 'a' is too long.
    expect(nameprep(`${'a'.repeat(55)}ü.net`)).to.equal(`${'a'.repeat(55)}ü.net`);
    expect(nameprep(`${'a'.repeat(56)}ü.net`)).to.equal(undefined);
  });

  it('limits the name to 1023 bytes', () => {
    const label = 'a'.repeat(63);
    const name = Array.from({ length: 16 }, () => label).join('.'); // 1023 bytes
    expect(nameprep(name)).to.equal(name);
    expect(nameprep(`${name}a`)).to.equal(undefined);
  });
});

describe('unsafeTextReason', () => {
  it('accepts ordinary text, markup characters and emoji', () => {
    expect(unsafeTextReason('')).to.equal(undefined);
    expect(unsafeTextReason('p<a>ss&"\']]>word')).to.equal(undefined);
    expect(unsafeTextReason('héllo 😀 \u00a0 \ufffd')).to.equal(undefined);
  });

  it('refuses control characters, including tab, CR and LF', () => {
    for (const text of ['a\u0001', '\t', 'a\nb', '\r', '\u0000', '\u007f', '\u0085', '\u009f']) {
      expect(unsafeTextReason(text), JSON.stringify(text)).to.equal('contains a control character');
    }
  });

  it('refuses unpaired surrogates', () => {
    expect(unsafeTextReason('\ud800')).to.equal('contains an unpaired surrogate');
    expect(unsafeTextReason('a\ud800b')).to.equal('contains an unpaired surrogate');
    expect(unsafeTextReason('\udc00a')).to.equal('contains an unpaired surrogate');
  });

  it('refuses U+FFFE and U+FFFF', () => {
    expect(unsafeTextReason('\ufffe')).to.equal('contains a non-character');
    expect(unsafeTextReason('a\uffff')).to.equal('contains a non-character');
  });

  it('does not echo the text', () => {
    expect(unsafeTextReason('secret\u0001')).to.not.include('secret');
  });
});
