// The appointments the owner's agents booked on the phone: upcoming, past or all, paged in the
// query string. Dates and times are shown in the booking's own time zone, the way the agent said
// them to the caller.
import { html } from '../lib/html.js';
import { t, longDate, clockTime, TIME_ZONE } from '../lib/i18n.js';
import { useApi } from '../lib/use-api.js';
import { useLiveEvents } from '../lib/events.js';
import { Loading, ErrorBox, Empty, Pager, PageHead } from '../components/ui.js';

const LIMIT = 25;

const VIEWS = /** @type {const} */ ([
  { when: 'upcoming', label: 'bookings.upcoming', empty: 'bookings.empty_upcoming' },
  { when: 'past', label: 'bookings.past', empty: 'bookings.empty_past' },
  { when: 'all', label: 'bookings.all', empty: 'bookings.empty_all' },
]);

const STATUS = /** @type {Record<string, { key: string, tone: string }>} */ ({
  booked: { key: 'bookings.status_booked', tone: 'ok' },
  cancelled: { key: 'bookings.status_cancelled', tone: '' },
});

/** @param {{ b: any }} p */
function BookingRow({ b }) {
  const status = STATUS[b.status];
  return html`<tr data-booking-id=${b.id}>
    <td data-label=${t('bookings.col_date')}>${longDate(b.start, b.timezone)}</td>
    <td data-label=${t('bookings.col_time')} class="number">
      ${t('bookings.time', { time: clockTime(b.start, b.timezone) })}
      <span class="muted"> ${t('bookings.until', { time: clockTime(b.end, b.timezone) })}</span>
      ${b.timezone && b.timezone !== TIME_ZONE ? html`<br /><span class="muted">${b.timezone}</span>` : null}
    </td>
    <td data-label=${t('bookings.col_name')}>${b.caller_name || '–'}</td>
    <td data-label=${t('bookings.col_number')} class="number">${b.caller_number || t('call.unknown_caller')}</td>
    <td data-label=${t('bookings.col_agent')}>${b.agent_name || '–'}</td>
    <td data-label=${t('bookings.col_status')}><span class=${`badge ${status?.tone ?? ''}`}>${status ? t(status.key) : b.status}</span></td>
  </tr>`;
}

/** Without a Google calendar the agents cannot book: the empty list says where to connect it. @param {{ text: string }} p */
function EmptyBookings({ text }) {
  const google = useApi('/api/integrations/google');
  const status = google.data?.status;
  return html`<${Empty} text=${text}>
    ${status === 'not_connected' ? html`<p data-testid="bookings-connect-hint">${t('bookings.connect_hint')}</p><a class="button" href="/integrations">${t('bookings.to_integrations')}</a>`
      : status === 'reconnect_required' ? html`<p data-testid="bookings-connect-hint">${t('bookings.reconnect_hint')}</p><a class="button" href="/integrations">${t('bookings.to_integrations')}</a>`
      : null}
  <//>`;
}

/** @param {{ query: URLSearchParams }} p */
export default function Bookings({ query }) {
  const view = VIEWS.find((v) => v.when === query.get('when')) ?? VIEWS[0];
  const offset = Number(query.get('offset') ?? 0) || 0;
  const list = useApi(`/api/bookings?when=${view.when}&limit=${LIMIT}&offset=${offset}`);
  // A booking made, moved or cancelled on the phone shows up while the page is open.
  useLiveEvents(['appointment.'], () => list.reload());
  /** @type {any} */
  const d = list.data;
  return html`
    <${PageHead} title=${t('bookings.title')} />
    <p class="muted">${t('bookings.intro')}</p>
    <nav class="tabs" aria-label=${t('bookings.views')}>
      <ul>${VIEWS.map((v) => html`<li><a href=${`/bookings?when=${v.when}`} aria-current=${v === view ? 'page' : undefined}>${t(v.label)}</a></li>`)}</ul>
    </nav>
    <section class="card" aria-label=${t(view.label)}>
      ${list.error ? html`<p>${t('bookings.load_failed')}</p><${ErrorBox} error=${list.error} onRetry=${list.reload} />`
        : !d ? html`<${Loading} />`
        : d.bookings.length === 0 && offset === 0 ? html`<${EmptyBookings} text=${t(view.empty)} />`
        : html`<div class="table-wrap"><table class="responsive" data-testid="bookings-table">
              <thead><tr>
                <th scope="col">${t('bookings.col_date')}</th>
                <th scope="col">${t('bookings.col_time')}</th>
                <th scope="col">${t('bookings.col_name')}</th>
                <th scope="col">${t('bookings.col_number')}</th>
                <th scope="col">${t('bookings.col_agent')}</th>
                <th scope="col">${t('bookings.col_status')}</th>
              </tr></thead>
              <tbody>${d.bookings.map((/** @type {any} */ b) => html`<${BookingRow} key=${b.id} b=${b} />`)}</tbody>
            </table></div>
            <${Pager} total=${d.total} limit=${LIMIT} offset=${offset} />`}
    </section>`;
}
