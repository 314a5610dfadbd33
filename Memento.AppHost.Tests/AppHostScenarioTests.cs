using Memento.Tests.App.Scenarios;

namespace Memento.AppHost.Tests;

public sealed class AppHostReplicaScenarios(AppHostAppTopology topology) : ReplicaScenarios(topology), IClassFixture<AppHostAppTopology>;

public sealed class AppHostFailoverScenarios(AppHostFailoverTopology topology) : FailoverScenarios(topology), IClassFixture<AppHostFailoverTopology>;

public sealed class AppHostLegacySseScenarios(AppHostLegacySseTopology topology) : LegacySseScenarios(topology), IClassFixture<AppHostLegacySseTopology>;
