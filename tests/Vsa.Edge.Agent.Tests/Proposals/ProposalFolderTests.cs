using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Proposals;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Proposals;

public sealed class ProposalFolderTests : IDisposable
{
    private const string Camera = """
        { "cameraId": "cam-1", "source": "rtsp://10.0.0.12/stream1",
          "zones": [ { "id": "parvis", "polygon": [[0.1,0.1],[0.9,0.1],[0.9,0.9],[0.1,0.9]] } ],
          "events": [ { "type": "intrusion", "zones": ["parvis"] } ] }
        """;

    private readonly string _data = Directory.CreateTempSubdirectory("vsa-proposals-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void Pending_ValidDocument_MessageCarriesTheExactDocumentAndItsHash()
    {
        var folder = Folder();
        Write("cam-1.json", Camera);

        var proposal = Assert.Single(folder.Pending("pole-12"));

        Assert.Equal((ConfigProposalMessage.SchemaId, 1, "pole-12"), (proposal.Message.Schema, proposal.Message.SchemaVersion, proposal.Message.DeviceId));
        Assert.Equal(ProposalFolder.IdOf(Encoding.UTF8.GetBytes(Camera)), proposal.Message.ProposalId);
        Assert.Equal("cam-1", proposal.Message.Camera.GetProperty("cameraId").GetString());
        Assert.True(proposal.Message.At <= _time.GetUtcNow());
    }

    [Fact]
    public void Pending_DocumentTheValidatorRefusesOrTooLarge_SetAsideWithTheReason()
    {
        var folder = Folder();
        Write("crossed.json", Camera.Replace("[0.9,0.1],[0.9,0.9]", "[0.9,0.9],[0.9,0.1]", StringComparison.Ordinal));
        Write("huge.json", new string(' ', ProposalFolder.MaxBytes + 1) + Camera);

        Assert.Empty(folder.Pending("pole-12"));

        Assert.Contains("self-intersecting", File.ReadAllText(Path.Combine(folder.Path, "refused", "crossed.json.reason.txt")), StringComparison.Ordinal);
        Assert.Contains($"at most {ProposalFolder.MaxBytes}", File.ReadAllText(Path.Combine(folder.Path, "refused", "huge.json.reason.txt")), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.json"));
    }

    [Fact]
    public void MarkSent_FileUnchanged_MovedToSent()
    {
        var folder = Folder();
        Write("cam-1.json", Camera);
        var proposal = Assert.Single(folder.Pending("pole-12"));

        folder.MarkSent(proposal);

        Assert.False(File.Exists(proposal.File));
        Assert.Equal(Camera, File.ReadAllText(Path.Combine(folder.Path, "sent", "cam-1.json")));
        Assert.Empty(folder.Pending("pole-12"));
    }

    [Fact]
    public void MarkSent_InstallerSavedAgainMeanwhile_NewVersionStaysToBeSent()
    {
        var folder = Folder();
        Write("cam-1.json", Camera);
        var first = Assert.Single(folder.Pending("pole-12"));
        var edited = Camera.Replace("0.9,0.9", "0.8,0.9", StringComparison.Ordinal);
        Write("cam-1.json", edited);

        folder.MarkSent(first);

        var next = Assert.Single(folder.Pending("pole-12"));
        Assert.NotEqual(first.Message.ProposalId, next.Message.ProposalId);
        Assert.Equal(ProposalFolder.IdOf(Encoding.UTF8.GetBytes(edited)), next.Message.ProposalId);
    }

    [Fact]
    public void Pending_MoreThanTheFleetTakesWithinTheHour_RestKeptOnThePoleUntilTheHourPassesEvenAcrossARestart()
    {
        var max = ConfigProposalMessage.MaxPerDevicePerHour;
        var folder = Folder();
        for (var i = 0; i < max + 2; i++)
        {
            Write($"cam-{i:00}.json", Camera.Replace("\"cam-1\"", $"\"cam-{i:00}\"", StringComparison.Ordinal));
        }

        // The first scan offers the hour's budget; each acknowledged one counts, a minute apart.
        var offered = folder.Pending("pole-12");
        Assert.Equal(max, offered.Count);
        foreach (var proposal in offered)
        {
            folder.MarkSent(proposal);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        // Two files wait; a restarted agent (a new folder object) still knows the hour is spent.
        Assert.Equal(2, Directory.GetFiles(folder.Path, "*.json").Length);
        Assert.Empty(Folder().Pending("pole-12"));

        // An hour after the first acknowledgement one slot frees, then the next a minute later.
        _time.Advance(TimeSpan.FromMinutes(60 - max));
        var next = Assert.Single(Folder().Pending("pole-12"));
        Assert.Equal($"cam-{max:00}.json", Path.GetFileName(next.File));
        folder.MarkSent(next);
        Assert.Empty(folder.Pending("pole-12"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal($"cam-{max + 1:00}.json", Path.GetFileName(Assert.Single(folder.Pending("pole-12")).File));
    }

    private ProposalFolder Folder() => new(_data, _time, NullLogger<ProposalFolder>.Instance);

    private void Write(string name, string text)
    {
        Directory.CreateDirectory(Path.Combine(_data, "proposals"));
        File.WriteAllText(Path.Combine(_data, "proposals", name), text);
    }
}
