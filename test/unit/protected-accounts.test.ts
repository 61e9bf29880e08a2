import { expect } from 'chai';
import { ProtectedAccounts } from '../../src/accounts/protected-accounts.js';
import { Refusal } from '../../src/contract/refusal.js';

const HOSTS = ['localhost', 'example.net'];
const guard = new ProtectedAccounts(['admin@localhost', 'boss@example.net']);

function refused(values: string[], hosts: readonly string[] = HOSTS): boolean {
  try {
    guard.assertNotNamedIn(values, hosts);
    return false;
  } catch (error) {
    expect(error).to.be.instanceOf(Refusal);
    expect((error as Refusal).reason).to.equal('not_allowed');
    return true;
  }
}

describe('protected accounts named in any argument shape', () => {
  it('refuses a user and its host given in separate fields, in any order and case', () => {
    expect(refused(['admin', 'localhost', 'newpass'])).to.equal(true);
    expect(refused(['LocalHost', 'x', 'ADMIN'])).to.equal(true);
    expect(refused(['ａｄｍｉｎ', 'localhost'])).to.equal(true); // full-width folds to admin
  });

  it('refuses a user name alone when its host is one the command may act on', () => {
    expect(refused(['admin'])).to.equal(true);
    expect(refused(['boss'], ['example.net'])).to.equal(true);
  });

  it('refuses bare and full JIDs, in lists and inside tuples', () => {
    expect(refused(['admin@localhost'])).to.equal(true);
    expect(refused(['carol@localhost', 'Admin@LOCALHOST/phone'])).to.equal(true);
    expect(refused(['admin@localhost:Nick:both'])).to.equal(true);
    expect(refused(['carol@localhost : Carol', 'x,boss@example.net'])).to.equal(true);
  });

  it('lets other accounts through, and a protected user name on a host it does not live on', () => {
    expect(refused(['carol', 'localhost', 'admin-not'])).to.equal(false);
    expect(refused(['carol@localhost', 'dave@example.net'])).to.equal(false);
    expect(refused(['boss', 'localhost'], ['localhost'])).to.equal(false);
    expect(refused(['admin@example.net'])).to.equal(false);
    expect(refused([])).to.equal(false);
  });

  it('names the account in the detail and never another value', () => {
    try {
      guard.assertNotNamedIn(['admin', 'localhost', 's3cret-pass'], HOSTS);
      expect.fail('not refused');
    } catch (error) {
      expect((error as Refusal).detail).to.contain('admin@localhost').and.not.contain('s3cret');
    }
  });
});
