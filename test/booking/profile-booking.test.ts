// The profile's services and booking sections: defaults, the sample's values, and errors that name the field.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadProfile, profileSchema } from '../../src/profile.ts';

const minimal = { name: 'Shop', greetings: { en: 'Hi', ru: 'Привет', uk: 'Привіт', sk: 'Ahoj' } };

describe('profile services and booking', () => {
  it('defaults to no services and the documented booking rules', () => {
    const profile = profileSchema.parse(minimal);
    assert.deepEqual(profile.services, []);
    assert.deepEqual(profile.booking, { slot_minutes: 30, min_notice_minutes: 120, max_days_ahead: 60, buffer_minutes: 0, parallel: 1 });
    assert.equal(profileSchema.parse({ ...minimal, booking: { parallel: 3 } }).booking.slot_minutes, 30);
  });

  it('ships a sample with bookable services', async () => {
    const sample = await loadProfile(new URL('../../profiles/sample.yaml', import.meta.url).pathname);
    assert.deepEqual(sample.services.map((s) => [s.name, s.duration_minutes]), [['check-up', 30], ['cleaning', 60], ['filling', 45]]);
    assert.equal(sample.booking.parallel, 1);
  });

  it('names the field and the rule when a service or rule is wrong', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pa-profile-')), 'profile.json');
    writeFileSync(
      file,
      JSON.stringify({ ...minimal, services: [{ name: 'cut', duration_minutes: 2 }, { name: 'Cut', duration_minutes: 30 }], booking: { parallel: 0 } }),
    );
    await assert.rejects(loadProfile(file), (error: Error) => {
      assert.match(error.message, /services\.0\.duration_minutes must be at least 5/);
      assert.match(error.message, /services must have unique names/);
      assert.match(error.message, /booking\.parallel must be at least 1/);
      return true;
    });
  });
});
