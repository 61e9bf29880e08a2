import { expect } from 'chai';
import { parseLastLogin, serverModuleOf } from '../../src/backends/ejabberd/commands.js';
import { passesResourceprep } from '../../src/xmpp/password-prep.js';

describe('admin ad-hoc helpers', () => {
  it('reads get-user-lastlogin values, a timestamp in local time', () => {
    expect(parseLastLogin('Never')).to.deep.equal({ kind: 'never' });
    // Present but unreadable: the account exists.
    expect(parseLastLogin('29/02/2024 23:05')).to.deep.equal({ kind: 'recorded' });
    expect(parseLastLogin('Online')).to.deep.equal({ kind: 'online' });
    expect(parseLastLogin('2024-02-29 23:05:09')).to.deep.equal({ kind: 'at', time: new Date(2024, 1, 29, 23, 5, 9) });
  });

  it('names the ejabberd module behind a node', () => {
    expect(serverModuleOf('http://jabber.org/protocol/admin#add-user')).to.equal('mod_configure');
    expect(serverModuleOf('http://jabber.org/protocol/admin#announce')).to.equal('mod_announce');
    expect(serverModuleOf('http://jabber.org/protocol/admin#delete-motd-allhosts')).to.equal('mod_announce');
    expect(serverModuleOf('ping')).to.equal(undefined);
  });

  // The verdicts ejabberd 23.01's add-user gave for these passwords.
  it('accepts passwords ejabberd stores and refuses those it would not', () => {
    for (const ok of ['a b', `A@/:<>&"'x`, 'ÄÖß', 'שלום', '\u200bx', 'ǅ', 'Ⅻ', 'ﬀ', 'pässwörd-密码', 'x'.repeat(1023)]) {
      expect(passesResourceprep(ok), ok).to.equal(true);
    }
    for (const refused of ['שלוםabc', 'abcשלום', '😀', 'x😀', '\u0345שלום', '\u2028', '\u0221', 'é'.repeat(600)]) {
      expect(passesResourceprep(refused), refused).to.equal(false);
    }
  });
});
