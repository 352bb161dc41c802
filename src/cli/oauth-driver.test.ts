import { parseConsentForm } from './oauth-driver';
import { formatTable } from './table';

describe('parseConsentForm', () => {
  test('reads the action and decodes the hidden fields of a sandbox consent page', () => {
    const html =
      '<h1>Allow?</h1><form method="POST" action="/v2/auth/authorize/">' +
      '<input type="hidden" name="redirect_uri" value="http://127.0.0.1:1/cb?a=1&amp;b=&#34;x&#34;">' +
      '<input type="hidden" name="state" value="s&#39;1">' +
      '<input type="text" name="ignored" value="no">' +
      '<button name="decision" value="allow">Allow</button></form>';
    expect(parseConsentForm(html)).toEqual({
      action: '/v2/auth/authorize/',
      fields: [
        ['redirect_uri', 'http://127.0.0.1:1/cb?a=1&b="x"'],
        ['state', "s'1"],
      ],
    });
  });

  test('no form → undefined', () => {
    expect(parseConsentForm('<p>Invalid Scopes</p>')).toBeUndefined();
  });
});

test('formatTable pads columns and shows missing cells as -', () => {
  expect(
    formatTable(
      ['A', 'LONGER'],
      [
        ['x', null],
        ['yyy', 2],
      ],
    ),
  ).toBe(['A    LONGER', '---  ------', 'x    -', 'yyy  2'].join('\n'));
});
