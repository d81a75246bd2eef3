using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>One event of the live stream: its SSE <c>event:</c> name and its JSON data.</summary>
/// <param name="Type"><c>ingestion</c>, <c>alert</c>, <c>device</c> or <c>device-conditions</c>.</param>
/// <param name="Data">The payload.</param>
internal sealed record LiveItem(string Type, JsonElement Data);

/// <summary>
/// The fleet manager's live stream (<c>GET /api/alerts/stream</c>) read as the console reads it: every <c>device</c>
/// event carries the device row with its configuration summary, every <c>alert</c> event the stored alert. Tests wait
/// on these events (the fleet's own signals) instead of polling a child process they cannot hook; every event is kept,
/// so a condition over the whole history cannot miss one that came while the test waited for another.
/// </summary>
internal sealed class FleetLiveStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<LiveItem> _items = [];
    private readonly Lock _gate = new();
    private readonly Task _reader;
    private TaskCompletionSource _arrived = NewSignal();
    private bool _ended;

    private FleetLiveStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = ReadAsync(body);
    }

    /// <summary>How many events have been received: an index to look past in <see cref="WaitUntilAsync"/>.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>
    /// Opens the stream and waits for its first <c>ingestion</c> event, sent once the subscription exists: from then on
    /// no event can be missed.
    /// </summary>
    public static async Task<FleetLiveStream> OpenAsync(HttpClient http, TimeSpan guard)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var stream = new FleetLiveStream(response, await response.Content.ReadAsStreamAsync());
        await stream.WaitForAsync("ingestion", _ => true, guard);
        return stream;
    }

    /// <summary>
    /// The first event of <paramref name="type"/> received since the stream opened that satisfies <paramref name="match"/>,
    /// waiting for it if none has come yet; throws, listing the last events, after <paramref name="guard"/>.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string type, Func<JsonElement, bool> match, TimeSpan guard)
    {
        JsonElement? found = null;
        await WaitUntilAsync(items => (found = items.FirstOrDefault(i => i.Type == type && match(i.Data))?.Data) is not null, $"matching '{type}' event", guard);
        return found!.Value;
    }

    /// <summary>Waits until <paramref name="condition"/>, evaluated over every event received so far, holds.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<LiveItem>, bool> condition, string what, TimeSpan guard)
    {
        using var deadline = new CancellationTokenSource(guard);
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                if (condition(_items))
                {
                    return;
                }

                if (_ended)
                {
                    throw new EndOfStreamException($"the live stream ended before {what}; received:\n{Recent()}");
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                lock (_gate)
                {
                    throw new TimeoutException($"no {what} within {guard}; received:\n{Recent()}");
                }
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
            // Stopped by us.
        }
        catch (IOException)
        {
            // The response was disposed under the reader.
        }
        catch (ObjectDisposedException)
        {
            // Same.
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last events received, for failure messages (called under the lock).</summary>
    private string Recent() => string.Join('\n', _items.TakeLast(40).Select(i => $"{i.Type}: {i.Data.GetRawText()}"));

    private async Task ReadAsync(Stream body)
    {
        try
        {
            var parser = SseParser.Create(body, (_, data) => JsonDocument.Parse(data.ToArray()).RootElement.Clone());
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                Signal(() => _items.Add(new LiveItem(item.EventType, item.Data)));
            }
        }
        finally
        {
            // A fleet that stops ends the stream: waiters fail at once instead of at their guard.
            Signal(() => _ended = true);
        }
    }

    private void Signal(Action change)
    {
        TaskCompletionSource arrived;
        lock (_gate)
        {
            change();
            arrived = _arrived;
            _arrived = NewSignal();
        }

        arrived.TrySetResult();
    }
}
