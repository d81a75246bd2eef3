using System.Text.Json;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// Two model slots on disk, <c>{root}/slots/a</c> and <c>{root}/slots/b</c>, and <c>{root}/state.json</c> saying which one runs.
/// A candidate is written into <c>slots/x.staging</c>, flushed, then renamed to <c>slots/x</c>; only then does a new
/// <c>state.json</c> (written to a temporary file, flushed, renamed) make it active. The rename of the state file is
/// the one commit point: a power cut before it leaves the old model running, after it the new one, never none. A slot
/// that no longer checks (its ONNX hash differs from its manifest) is skipped for the previous slot, then the factory model.
/// </summary>
public sealed class ModelSlotStore
{
    private const string StateFile = "state.json";
    private readonly string _factoryDirectory;

    /// <summary>A store under <paramref name="root"/> (created if missing); <paramref name="factoryDirectory"/> is the installed model.</summary>
    public ModelSlotStore(string root, string factoryDirectory)
    {
        Root = Path.GetFullPath(root);
        _factoryDirectory = factoryDirectory;
        Directory.CreateDirectory(Path.Combine(Root, "slots"));
    }

    /// <summary>The folder holding the slots and the state.</summary>
    public string Root { get; }

    /// <summary>The folder of <paramref name="slot"/> (<c>a</c>, <c>b</c> or factory).</summary>
    public string SlotDirectory(string slot) => slot == ModelSlotState.Factory ? _factoryDirectory : Path.Combine(Root, "slots", slot);

    /// <summary>The recorded state (the initial one when none was written or it cannot be read).</summary>
    public ModelSlotState Read()
    {
        var path = Path.Combine(Root, StateFile);
        if (!File.Exists(path))
        {
            return ModelSlotState.Initial;
        }

        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllBytes(path), ModelSlotJsonContext.Default.ModelSlotState);
            return state is not null && IsCoherent(state) ? state : ModelSlotState.Initial;
        }
        catch (JsonException)
        {
            // Written by rename, so never half-written; unreadable means altered by hand: the factory model is the safe answer.
            return ModelSlotState.Initial;
        }
    }

    // A state this store could have written: slots named a, b or factory (never a path), a version for every slot that is
    // not the factory, and an outcome naming a version. Anything else was altered by hand: the factory model is the answer.
    private static bool IsCoherent(ModelSlotState state) =>
        IsSlot(state.Active) && IsSlot(state.Previous)
        && (state.Active == ModelSlotState.Factory || !string.IsNullOrWhiteSpace(state.ActiveVersion))
        && (state.Previous == ModelSlotState.Factory || !string.IsNullOrWhiteSpace(state.PreviousVersion))
        && (state.Last is null || !string.IsNullOrWhiteSpace(state.Last.Version));

    private static bool IsSlot(string? slot) => slot is "a" or "b" or ModelSlotState.Factory;

    /// <summary>Replaces the state atomically (temporary file, fsync, rename, fsync of the folder where the platform allows).</summary>
    public void Write(ModelSlotState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ProtectedFile.Replace(Path.Combine(Root, StateFile), JsonSerializer.SerializeToUtf8Bytes(state, ModelSlotJsonContext.Default.ModelSlotState), ProtectedFile.Readable);
    }

    /// <summary>
    /// The slot a new candidate goes to: the one that does not run. Nothing in the state changes here: the candidate is
    /// verified and validated in <c>slots/x.staging</c>, so a bad package never costs the device its rollback target
    /// (<see cref="Seal"/> releases it only once the candidate passed). Leftover staging folders (a power cut during an
    /// earlier extraction) are removed.
    /// </summary>
    public string PrepareCandidateSlot()
    {
        var state = Read();
        var slot = state.Active == "a" ? "b" : "a";
        foreach (var leftover in Directory.EnumerateDirectories(Path.Combine(Root, "slots"), "*.staging"))
        {
            Directory.Delete(leftover, recursive: true);
        }

        return slot;
    }

    /// <summary>A fresh staging folder for <paramref name="slot"/>.</summary>
    public string StagingDirectory(string slot)
    {
        var staging = SlotDirectory(slot) + ".staging";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>
    /// Replaces <paramref name="slot"/> by its complete staging folder. If the state keeps that slot as the rollback target,
    /// the state first names the factory model as the target, so no state ever points at a slot being rewritten.
    /// </summary>
    public void Seal(string slot)
    {
        var state = Read();
        if (state.Previous == slot)
        {
            Write(state with { Previous = ModelSlotState.Factory, PreviousVersion = null, PreviousSha256 = null });
        }

        var target = SlotDirectory(slot);
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(target + ".staging", target);
    }

    /// <summary>
    /// Makes <paramref name="slot"/> active on probation; the running one becomes the rollback target. <paramref name="sha256"/>
    /// (the package's) is kept so that the agent reports what it runs after a restart too.
    /// </summary>
    public ModelSlotState Activate(string slot, string id, string version, DateTimeOffset now, string? sha256 = null)
    {
        var state = Read();
        var next = new ModelSlotState(slot, id, version, state.Active, state.ActiveVersion, true, now, 0, new ModelOutcome(version, ModelUpdateStates.Active, null, now, sha256), sha256, state.ActiveSha256);
        Write(next);
        return next;
    }

    /// <summary>Ends the soak: the active model is kept.</summary>
    public ModelSlotState Confirm()
    {
        var next = Read() with { Soaking = false, StartsDuringSoak = 0 };
        Write(next);
        return next;
    }

    /// <summary>Goes back to the previous slot (offline: nothing but this folder is needed), recording why.</summary>
    public ModelSlotState RollBack(string reason, DateTimeOffset now)
    {
        var state = Read();
        var next = new ModelSlotState(
            state.Previous,
            state.Previous == ModelSlotState.Factory ? null : ReadId(state.Previous),
            state.PreviousVersion,
            ModelSlotState.Factory,
            null,
            false,
            null,
            0,
            new ModelOutcome(state.ActiveVersion ?? "factory", ModelUpdateStates.RolledBack, reason, now, state.ActiveSha256),
            state.PreviousSha256);
        Write(next);
        return next;
    }

    /// <summary>Records a refused or failed candidate without changing what runs.</summary>
    public void RecordFailure(string version, string reason, DateTimeOffset now, string? sha256 = null) =>
        Write(Read() with { Last = new ModelOutcome(version, ModelUpdateStates.Failed, reason, now, sha256) });

    /// <summary>
    /// What the agent loads at start. Counts this start when the active model is soaking, and rolls back when it has now
    /// started <paramref name="maxStartsDuringSoak"/> times without finishing its soak (it crashes the agent). Then the
    /// first of active, previous, factory whose files check.
    /// </summary>
    public (string Directory, ModelSlotState State) ResolveForStart(int maxStartsDuringSoak, DateTimeOffset now, bool countStart = true)
    {
        var state = Read();
        if (state.Soaking && countStart)
        {
            state = state with { StartsDuringSoak = state.StartsDuringSoak + 1 };
            Write(state);
            if (state.StartsDuringSoak > maxStartsDuringSoak)
            {
                state = RollBack($"crash loop: the agent started {state.StartsDuringSoak - 1} times during the soak of {state.ActiveVersion}; back to {state.PreviousVersion ?? ModelSlotState.Factory}", now);
            }
        }

        foreach (var slot in new[] { state.Active, state.Previous })
        {
            if (slot == ModelSlotState.Factory)
            {
                return (_factoryDirectory, state);
            }

            try
            {
                _ = ModelPackage.Load(SlotDirectory(slot));
                return (SlotDirectory(slot), state);
            }
            catch (ModelException ex)
            {
                state = RollBack($"slot {slot} does not check: {ex.Message}", now);
            }
        }

        return (_factoryDirectory, state);
    }

    private string? ReadId(string slot)
    {
        try
        {
            return ModelPackage.Load(SlotDirectory(slot)).Manifest.Id;
        }
        catch (ModelException)
        {
            return null;
        }
    }
}
