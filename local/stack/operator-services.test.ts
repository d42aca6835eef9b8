import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJava21 } from './native-schema-registry';
import { stackProfile } from './operator-services';

describe('STACK_PROFILE', () => {
  it('is full by default, lean on request, and nothing else', () => {
    expect(stackProfile({})).toBe('full');
    expect(stackProfile({ STACK_PROFILE: 'full' })).toBe('full');
    expect(stackProfile({ STACK_PROFILE: 'lean' })).toBe('lean');
    expect(() => stackProfile({ STACK_PROFILE: 'slim' })).toThrow(
      'STACK_PROFILE must be "full" or "lean", got "slim"',
    );
  });
});

describe('the Java of Apicurio Registry', () => {
  let jvmDir: string;
  beforeEach(() => {
    jvmDir = mkdtempSync(join(tmpdir(), 'jvm-'));
  });
  afterEach(() => rmSync(jvmDir, { recursive: true, force: true }));

  const jdk = (name: string, version: string) => {
    mkdirSync(join(jvmDir, name, 'bin'), { recursive: true });
    writeFileSync(join(jvmDir, name, 'bin', 'java'), '');
    writeFileSync(
      join(jvmDir, name, 'release'),
      `IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="${version}"\n`,
    );
  };

  it('picks the newest JDK of version 21 or more, not the machine default 17', () => {
    // Prepare
    jdk('java-17-openjdk-amd64', '17.0.16');
    jdk('temurin-21-jdk-amd64', '21.0.8');
    jdk('temurin-25-jdk-amd64', '25.0.1');

    // Act
    const found = findJava21({}, jvmDir);

    // Assess
    expect(found).toEqual({ java: join(jvmDir, 'temurin-25-jdk-amd64', 'bin', 'java'), major: 25 });
  });

  it('fails with a clear message when only older JDKs are there', () => {
    // Prepare
    jdk('java-17-openjdk-amd64', '17.0.16');

    // Act
    const act = () => findJava21({ JAVA_HOME: join(jvmDir, 'java-17-openjdk-amd64') }, jvmDir);

    // Assess
    expect(act).toThrow(/needs Java 21 or newer, and none was found/);
    expect(act).toThrow(/STACK_PROFILE=lean/);
  });
});
