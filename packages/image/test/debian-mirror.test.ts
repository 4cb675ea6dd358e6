import test from 'ava';
import { debianMirror } from '../src/base-image.js';

test('the main archive is read from a deb822 sources file', (t) => {
  const sources = `Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security

Types: deb
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates`;
  t.is(debianMirror([sources]), 'http://mirror.example/debian');
});

test('one-line entries with options are read, other repositories skipped', (t) => {
  const list = `deb https://packages.cloud.example/apt cloud-sdk main
deb [arch=amd64 signed-by=/k.gpg] http://ftp.example.org/debian bookworm main`;
  t.is(debianMirror(['', list]), 'http://ftp.example.org/debian');
});

test('without any Debian entry the official mirror is used', (t) => {
  t.is(
    debianMirror(['deb https://deb.nodesource.com/node_20.x nodistro main']),
    'http://deb.debian.org/debian',
  );
});
