# %% [markdown]
# # 04_iran_case

# %%
print(1)
