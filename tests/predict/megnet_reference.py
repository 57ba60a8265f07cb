"""Independent reference forward pass of matgl's multi-fidelity MEGNet band-gap model, in plain torch.

matgl (and DGL) are not installed here, so this re-implements the forward of matgl's MEGNet
(src/matgl/models/_megnet.py, layers/_graph_convolution.py MEGNetBlock/MEGNetGraphConv, layers/_core.py MLP and
EdgeSet2Set, dgl.nn.Set2Set) with torch.nn.functional on the state dict loaded by torch.load, and builds the graph
as matgl's Structure2Graph does: pymatgen's Structure.get_neighbor_list(r=cutoff) (self-pairs excluded).

stdin: {"model": DIR, "structures": [{"lattice": 3x3, "species": [...], "frac": [[x,y,z], ...]}], "fidelities": [...]}
stdout: {"predictions": [[value for each fidelity] for each structure]}
"""
import json
import math
import sys

import numpy as np
import torch
from pymatgen.core import Lattice, Structure

torch.set_default_dtype(torch.float64)

# matgl.config.DEFAULT_ELEMENTS: H..Bi (Z 1-83), then Ac, Th, Pa, U, Np, Pu.
ELEMENTS = [
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca",
    "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",
    "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce",
    "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir",
    "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Ac", "Th", "Pa", "U", "Np", "Pu",
]


def main():
    request = json.load(sys.stdin)
    folder = request["model"]
    sd = {k: v.double() for k, v in torch.load(f"{folder}/state.pt", map_location="cpu").items()}
    card = json.load(open(f"{folder}/model.json"))
    args = card["kwargs"]["model"]["init_args"]
    transformer = card["kwargs"]["target_transformer"]
    mean = float(transformer.split("Mean=")[1].split(",")[0])
    std = float(transformer.split("Std:")[1])
    cutoff = args["cutoff"]
    width = args["gauss_width"]
    n_iters = args["niters_set2set"]

    def act(x):  # softplus2
        return torch.nn.functional.softplus(x) - math.log(2.0)

    def mlp(x, prefix, activate_last):
        linears = sorted({int(k[len(prefix) + 8:].split(".")[0]) for k in sd if k.startswith(prefix + ".layers.")})
        for n, i in enumerate(linears):
            x = x @ sd[f"{prefix}.layers.{i}.weight"].T + sd[f"{prefix}.layers.{i}.bias"]
            if n < len(linears) - 1 or activate_last:
                x = act(x)
        return x

    def lstm_step(x, h, c, prefix):
        gates = x @ sd[f"{prefix}.weight_ih_l0"].T + sd[f"{prefix}.bias_ih_l0"] + h @ sd[f"{prefix}.weight_hh_l0"].T + sd[f"{prefix}.bias_hh_l0"]
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def set2set(feat, prefix):
        dim = feat.shape[1]
        h = torch.zeros(dim)
        c = torch.zeros(dim)
        q_star = torch.zeros(2 * dim)
        for _ in range(n_iters):
            h, c = lstm_step(q_star, h, c, prefix)
            q = h
            e = (feat * q).sum(-1)
            alpha = torch.softmax(e, 0) if len(e) else e
            readout = (feat * alpha[:, None]).sum(0)
            q_star = torch.cat([q, readout])
        return q_star

    out = []
    for s in request["structures"]:
        structure = Structure(Lattice(s["lattice"]), s["species"], s["frac"])
        center, neighbor, _, distances = structure.get_neighbor_list(r=cutoff)
        src = torch.tensor(center, dtype=torch.long)
        dst = torch.tensor(neighbor, dtype=torch.long)
        d = torch.tensor(distances)
        n_atoms = len(structure)
        types = torch.tensor([ELEMENTS.index(sp.symbol) for sp in structure.species])
        per_fidelity = []
        for fidelity in request["fidelities"]:
            centers = sd["model.bond_expansion.rbf.centers"]
            edge = torch.exp(-width * (d[:, None] - centers[None, :]) ** 2)
            node = sd["model.embedding.layer_node_embedding.weight"][types]
            state = sd["model.embedding.layer_state_embedding.weight"][fidelity]
            edge = mlp(edge, "model.edge_encoder", True)
            node = mlp(node, "model.node_encoder", True)
            state = mlp(state, "model.state_encoder", True)
            for b in range(args["nblocks"]):
                p = f"model.blocks.{b}"
                e0, v0, u0 = edge, node, state
                if b > 0:
                    edge = mlp(edge, f"{p}.edge_func", True)
                    node = mlp(node, f"{p}.node_func", True)
                    state = mlp(state, f"{p}.state_func", True)
                # MEGNetGraphConv: edges from [v_src, v_dst, e, u], nodes from the mean of incoming new edges, state
                # from the means of new edges and new nodes.
                inputs = torch.cat([node[src], node[dst], edge, state.expand(len(src), -1)], 1)
                edge = mlp(inputs, f"{p}.conv.edge_func", True)
                summed = torch.zeros(n_atoms, edge.shape[1]).index_add(0, dst, edge)
                count = torch.zeros(n_atoms).index_add(0, dst, torch.ones(len(dst))).clamp(min=1)
                node = mlp(torch.cat([node, summed / count[:, None], state.expand(n_atoms, -1)], 1), f"{p}.conv.node_func", True)
                state = mlp(torch.cat([state, edge.mean(0), node.mean(0)]), f"{p}.conv.state_func", True)
                edge, node, state = edge + e0, node + v0, state + u0
            vec = torch.cat([set2set(node, "model.node_s2s.lstm"), set2set(edge, "model.edge_s2s.lstm"), state])
            y = mlp(vec, "model.output_proj", False)
            per_fidelity.append(float(y[0]) * std + mean)
        out.append(per_fidelity)
    json.dump({"predictions": out}, sys.stdout)


main()
