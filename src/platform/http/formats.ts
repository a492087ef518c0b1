/** DRF's datetime format, which Open edX clients parse: seconds, UTC, `Z`. */
export const drfDate = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;
