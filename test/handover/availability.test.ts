// Whether someone can take a call, from the profile's opening hours in its own time zone, and when someone next can.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeNextOpening, handoverAvailability } from '../../src/handover/availability.ts';
import { profileSchema } from '../../src/profile.ts';

const greeting = 'Hello';
const profile = profileSchema.parse({
  name: 'Bright Smile Dental',
  timezone: 'Europe/Bratislava',
  transfer_number: '+421905123456',
  greetings: { en: greeting, ru: greeting, uk: greeting, sk: greeting },
  hours: { monday: '08:00-17:00', friday: '08:00-14:00', saturday: 'closed', sunday: 'closed' },
});

describe('hand-over availability', () => {
  it('is open inside the hours in the profile time zone, after the change to summer time', () => {
    // Monday 30 March 2026, 08:30 in Bratislava (UTC+2 since the 29th).
    assert.deepEqual(handoverAvailability(profile, new Date('2026-03-30T06:30:00Z')), { available: true, number: '+421905123456' });
  });

  it('names the opening later the same day, and the next open day after closing', () => {
    assert.deepEqual(handoverAvailability(profile, new Date('2026-03-30T05:00:00Z')), {
      available: false,
      why: 'closed',
      next: { day: 'monday', time: '08:00' },
    });
    // Friday 27 March 2026, 14:30 in Bratislava (UTC+1): closed since 14:00, next open Monday.
    assert.deepEqual(handoverAvailability(profile, new Date('2026-03-27T13:30:00Z')), {
      available: false,
      why: 'closed',
      next: { day: 'monday', time: '08:00' },
    });
  });

  it('puts nobody through without a transfer number', () => {
    const { transfer_number: _, ...rest } = profile;
    assert.deepEqual(handoverAvailability({ ...rest }, new Date('2026-03-30T06:30:00Z')), { available: false, why: 'no_transfer_number', next: null });
  });

  it('says the day in the caller language', () => {
    assert.equal(describeNextOpening({ day: 'tuesday', time: '08:00' }, 'en'), 'Tuesday 08:00');
    assert.equal(describeNextOpening({ day: 'tuesday', time: '08:00' }, 'sk'), 'utorok 08:00');
  });
});
